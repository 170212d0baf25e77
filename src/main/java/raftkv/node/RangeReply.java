package raftkv.node;

import java.util.List;
import raftkv.kv.KeyValue;

/**
 * One page of a listing, in key order, as of the node's applied index; {@code more}: keys with
 * the prefix remain after the last one.
 */
public record RangeReply(List<KeyValue> keyValues, boolean more, long appliedIndex) {}
