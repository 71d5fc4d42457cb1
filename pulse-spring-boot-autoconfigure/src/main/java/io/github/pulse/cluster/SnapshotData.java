package io.github.pulse.cluster;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The session snapshot kept in Redis (JSON), from which another node rebuilds a session whose node died.
 *
 * @param node the owner node
 * @param id the connection id
 * @param principal the principal name
 * @param digest SHA-256 of the token's secret half, Base64
 * @param attributes the attributes
 * @param types their types (see {@link AttributeTypes})
 * @param rooms the rooms with their watermark: {@code n}, the room number of the last broadcast delivered here at
 * the snapshot; {@code @}, none seen here yet; prefixed {@code ?} while a join and {@code -} while a leave is not yet
 * in a snapshot
 * @param seq the session's sequence number
 * @param g the node's global position (cluster-wide number of the last broadcast it delivered)
 * @param directSends the counted direct sends the session had seen
 * @param owed per room, broadcasts the session lost beyond the streams and was not told of yet (its room's
 * watermark is past them): the {@code missed} of the room's next frame to it; {@code null} in snapshots written
 * before this field existed
 */
record SnapshotData(String node, String id, @Nullable String principal, String digest,
		Map<String, Object> attributes, Map<String, String> types, Map<String, String> rooms, long seq, long g,
		long directSends, @Nullable Map<String, Long> owed) {

	/**
	 * Whether every room's watermark is exact (no join or leave pending).
	 * @param rooms the rooms with their watermarks
	 * @return {@code true} if none is prefixed
	 */
	static boolean exact(Map<String, String> rooms) {
		return rooms.values().stream().noneMatch((mark) -> mark.startsWith("?") || mark.startsWith("-"));
	}

}
