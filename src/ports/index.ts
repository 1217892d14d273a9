export type * from './store';
export type * from './outbox';
export type * from './services';
