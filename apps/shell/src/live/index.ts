export { followChanges, type LiveChannelOptions, type SocketLike, useLiveChanges } from './live.ts';
export { type LiveLoadOptions, useLiveLoad, usePolling } from './polling.ts';
