package raftkv.server;

import java.util.List;
import raftkv.kv.KeyValue;

/** The answer to a range read, in key order. */
public record RangeReply(List<KeyValue> keyValues) {}
