package raftkv.node;

import java.util.List;
import raftkv.kv.KeyValue;

/** The answer to a range read, in key order, as of the node's applied index. */
public record RangeReply(List<KeyValue> keyValues, long appliedIndex) {}
