package io.github.pulse.core;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.codec.InboundFrame;
import io.github.pulse.codec.JacksonPulseCodec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Join and leave frames in the engine, with in-memory transports: what a codec of the application may hand over
 * that the default codecs refuse, and an authorizer that throws.
 */
class RoomRequestTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private SessionManager manager;

	@AfterEach
	void stop() {
		this.manager.shutdown();
	}

	private SessionManager manager(InboundFrame decoded) {
		JacksonPulseCodec codec = new JacksonPulseCodec() {
			@Override
			public InboundFrame decode(String text) {
				return decoded;
			}
		};
		this.manager = new SessionManager(PulseSettings.defaults(), codec, List.of(), PulseObserver.NOOP,
				this.now::get);
		return this.manager;
	}

	@Test
	void aJoinWithoutARoomFromAnotherCodecClosesWith1007() {
		// a codec written before join frames decodes them without a room
		SessionManager manager = manager(new InboundFrame("join", null, null, -1, "1", -1));
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of()), null, null, 0);
		manager.onText(connection, transport, "{}", 2);
		assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
		// the close frame goes from the I/O pool
		Awaitility.await().until(() -> !transport.closes.isEmpty());
		assertThat(transport.closes).extracting((status) -> status.code() + " " + status.reason())
			.containsExactly("1007 missing room");
	}

	@Test
	void anAuthorizerThatThrowsRefusesTheJoinAndTheSessionGoesOn() {
		SessionManager manager = manager(new InboundFrame("join", null, null, -1, "1", -1, "r"));
		manager.setRoomAuthorizer((connection, room) -> {
			throw new IllegalStateException("broken rule");
		});
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of()), null, null, 0);
		manager.onText(connection, transport, "{}", 2);
		assertThat(transport.texts).last().asString()
			.isEqualTo("{\"type\":\"joinFailed\",\"seq\":1,\"room\":\"r\",\"ref\":\"1\",\"reason\":\"forbidden\"}");
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(connection.rooms()).isEmpty();
	}

}
