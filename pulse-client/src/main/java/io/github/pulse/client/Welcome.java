package io.github.pulse.client;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A new session started: the server's {@code welcome} frame.
 *
 * @param connectionId the session's connection id
 * @param rooms the rooms the session joined on connect
 * @param heartbeat the interval at which the server pings
 * @param resumeWindow how long the server keeps the session after a transport drop, zero when resume is off
 * @param resumeFailed why a resume attempt was refused ({@code "expired"} or {@code "unknown"}), {@code null} if
 * none was attempted
 * @param reconnect whether an earlier session existed: its state on the server is gone and the application must
 * start over (re-fetch what it displays, for example)
 * @param protocol the subprotocol the server selected, such as {@code pulse.v1}; {@code null} from a server that
 * selected none
 * @param user the user the session belongs to, {@code null} for none
 */
public record Welcome(String connectionId, List<String> rooms, Duration heartbeat, Duration resumeWindow,
		@Nullable String resumeFailed, boolean reconnect, @Nullable String protocol, @Nullable String user) {

	/**
	 * A welcome without a user, as from a server before users.
	 * @param connectionId the session's connection id
	 * @param rooms the rooms the session joined on connect
	 * @param heartbeat the interval at which the server pings
	 * @param resumeWindow how long the server keeps the session after a transport drop
	 * @param resumeFailed why a resume attempt was refused, {@code null} if none was attempted
	 * @param reconnect whether an earlier session existed
	 * @param protocol the subprotocol the server selected
	 */
	public Welcome(String connectionId, List<String> rooms, Duration heartbeat, Duration resumeWindow,
			@Nullable String resumeFailed, boolean reconnect, @Nullable String protocol) {
		this(connectionId, rooms, heartbeat, resumeWindow, resumeFailed, reconnect, protocol, null);
	}

}
