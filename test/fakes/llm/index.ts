export { FakeLlm, type FakeLlmOptions, type RecordedRequest, type ReplySource, type WireName } from './fake-llm';
export {
  contextOverflow,
  hang,
  httpError,
  malformed,
  reply,
  reset,
  ReplyBuilder,
  type ScriptedReply,
  type ScriptItem,
  type ScriptUsage,
} from './reply';
export { isSummaryRequest, isTitleRequest, toolNames, type RequestLike } from './requests';
