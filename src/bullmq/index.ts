/**
 * `allot/bullmq`: BullMQ workers under a shared multi-resource budget. Only bullmq's types are used, so this entry
 * loads without bullmq; the worker you build with it needs the `bullmq` package (a peer dependency).
 */
export {
  type BudgetCapacity,
  type BudgetedJobFn,
  type BudgetedProcessor,
  type BudgetOrderOptions,
  type WithBudgetOptions,
  withBudget,
} from './with-budget.js';
