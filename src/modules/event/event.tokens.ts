export const EVENT_TRANSPORT = Symbol('EVENT_TRANSPORT');
