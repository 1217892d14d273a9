/** The plain error objects the hand-written (broken) use cases return, shaped like the library's. */
export const refusal = <T extends string>(type: T) => ({ type, message: `${type} (from a hand-written use case)` });
