export { MemoryRosterStore } from './store';
export { CapturingMailer, ConsoleMailer } from './mailer';
export { MemoryIdentity } from './identity';
export { ManualClock, systemClock } from './clock';
export { MemoryAccountDirectory } from './accounts';
