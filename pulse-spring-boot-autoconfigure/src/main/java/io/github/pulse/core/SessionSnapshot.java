package io.github.pulse.core;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A consistent view of a session for the cluster's per-session snapshot in Redis (resume after the owning node
 * died): read under the session's lock, so that {@code lastSeq} and {@code directSends} agree with each other and
 * with {@code rooms}.
 *
 * @param connectionId the connection id
 * @param principalName name of the handshake principal, {@code null} for an anonymous session
 * @param attributes the attributes whose values are strings, booleans, integers, longs or doubles
 * @param rooms the rooms the session is in
 * @param lastSeq the last sequence number the session assigned
 * @param directSends counted direct sends the session has seen (delivered or refused)
 * @param closed whether the session has ended
 */
public record SessionSnapshot(String connectionId, @Nullable String principalName, Map<String, Object> attributes,
		List<String> rooms, long lastSeq, long directSends, boolean closed) {
}
