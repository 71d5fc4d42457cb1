package io.github.pulse.actuate.endpoint;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.Transport;
import io.github.pulse.metrics.PulseMessageTotals;
import io.github.pulse.metrics.PulseMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PulseEndpointTests {

	private final SessionManager manager = new SessionManager(PulseSettings.defaults(), new JacksonPulseCodec(),
			List.of(), PulseObserver.NOOP, System::nanoTime);

	private final List<StubTransport> transports = new ArrayList<>();

	@AfterEach
	void shutdown() {
		this.manager.shutdown();
	}

	@Test
	void largestRoomsAreTheTenLargestLargestFirstThenByName() {
		for (int room = 1; room <= 12; room++) {
			for (int member = 0; member < room % 6 + 1; member++) {
				open("room-" + room);
			}
		}
		PulseEndpoint.PulseDescriptor overview = new PulseEndpoint(this.manager, null).pulse();
		assertThat(overview.rooms()).isEqualTo(12);
		assertThat(overview.largestRooms()).extracting(PulseEndpoint.RoomSize::room)
			.containsExactly("room-11", "room-5", "room-10", "room-4", "room-3", "room-9", "room-2", "room-8",
					"room-1", "room-7");
		assertThat(overview.largestRooms()).extracting(PulseEndpoint.RoomSize::connections)
			.containsExactly(6, 6, 5, 5, 4, 4, 3, 3, 2, 2);
	}

	@Test
	void overviewReportsCountsTotalsAndDraining() {
		open("lobby");
		open("lobby");
		PulseMessageTotals totals = new PulseMessageTotals() {

			@Override
			public long messagesReceived() {
				return 7;
			}

			@Override
			public long messagesSent() {
				return 11;
			}

		};
		PulseEndpoint endpoint = new PulseEndpoint(this.manager, totals);
		PulseEndpoint.PulseDescriptor overview = endpoint.pulse();
		assertThat(overview.connections()).isEqualTo(2);
		assertThat(overview.suspended()).isZero();
		assertThat(overview.messages()).isEqualTo(new PulseEndpoint.Messages(7, 11));
		assertThat(overview.draining()).isFalse();
		assertThat(overview.settings()).containsEntry("resumeWindow", "PT30S").containsEntry("maxConnections", -1);
		this.manager.shutdown();
		assertThat(endpoint.pulse().draining()).isTrue();
	}

	@Test
	void messageTotalsReadZeroWithoutMetrics() {
		assertThat(new PulseEndpoint(this.manager, null).pulse().messages())
			.isEqualTo(new PulseEndpoint.Messages(0, 0));
	}

	@Test
	void roomListsItsConnectionsOldestFirstAndAnUnknownRoomNone() {
		PulseConnection first = open("lobby");
		PulseConnection second = open("lobby");
		open("ops");
		PulseEndpoint endpoint = new PulseEndpoint(this.manager, null);
		PulseEndpoint.RoomDescriptor lobby = endpoint.room("lobby");
		assertThat(lobby.room()).isEqualTo("lobby");
		assertThat(lobby.connections()).extracting(PulseEndpoint.ConnectionDescriptor::id)
			.containsExactlyInAnyOrder(first.id(), second.id());
		assertThat(lobby.connections()).allSatisfy((connection) -> {
			assertThat(connection.state()).isEqualTo("OPEN");
			assertThat(connection.queuedFrames()).isZero();
		});
		assertThat(lobby.connections().get(0).connectedSince())
			.isLessThanOrEqualTo(lobby.connections().get(1).connectedSince());
		assertThat(endpoint.room("nobody-here").connections()).isEmpty();
	}

	@Test
	void roomShowsItsPresenceWhoIsThereWithHowManyConnectionsAndTheGaugesCountIt() {
		this.manager.setPresence(List.of("chat-*"));
		MeterRegistry registry = new SimpleMeterRegistry();
		new PulseMeterBinder(this.manager).bindTo(registry);
		PulseConnection alice = open("chat-1", "alice");
		open("chat-1", "bob");
		open("chat-1", "alice");
		open("chat-2", "alice");
		open("lobby", "carol");
		PulseEndpoint endpoint = new PulseEndpoint(this.manager, null);
		PulseEndpoint.RoomDescriptor chat = endpoint.room("chat-1");
		assertThat(chat.presence()).containsExactly(new PulseEndpoint.PresentUser("alice", 2),
				new PulseEndpoint.PresentUser("bob", 1));
		assertThat(chat.connections()).extracting(PulseEndpoint.ConnectionDescriptor::user)
			.containsExactlyInAnyOrder("alice", "bob", "alice");
		assertThat(endpoint.room("chat-empty").presence()).isEmpty();
		assertThat(endpoint.room("lobby").presence()).as("a room without presence").isNull();
		assertThat(registry.get("pulse.presence.rooms").gauge().value()).isEqualTo(2);
		assertThat(registry.get("pulse.presence.users").gauge().value()).isEqualTo(2);
		// the state of a room nobody is present in any more is gone
		this.manager.kick(alice.id());
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(endpoint.room("chat-1").presence())
				.containsExactly(new PulseEndpoint.PresentUser("alice", 1), new PulseEndpoint.PresentUser("bob", 1)));
		for (PulseConnection connection : List.copyOf(this.manager.connections())) {
			this.manager.kick(connection.id());
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(registry.get("pulse.presence.rooms").gauge().value()).isZero());
		assertThat(registry.get("pulse.presence.users").gauge().value()).isZero();
		assertThat(endpoint.room("chat-1").presence()).isEmpty();
	}

	@Test
	void kickClosesTheConnectionWith4000Once() {
		PulseConnection connection = open("lobby");
		PulseEndpoint endpoint = new PulseEndpoint(this.manager, null);
		assertThat(endpoint.kick(connection.id()).kicked()).isTrue();
		assertThat(endpoint.kick(connection.id()).kicked()).isFalse();
		assertThat(endpoint.kick("no-such-connection").kicked()).isFalse();
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.transports.get(0).closedWith).isNotNull()
				.extracting(PulseCloseStatus::code)
				.isEqualTo(4000));
	}

	private PulseConnection open(String room) {
		StubTransport transport = new StubTransport();
		this.transports.add(transport);
		return this.manager.open(transport, ConnectDecision.accept(List.of(room)), null, null, 0);
	}

	private PulseConnection open(String room, String user) {
		StubTransport transport = new StubTransport();
		this.transports.add(transport);
		return this.manager.open(transport, ConnectDecision.accept(List.of(room)).withUser(user), null, null, 0);
	}

	/** A transport whose writes complete at once. */
	static final class StubTransport implements Transport {

		volatile @Nullable PulseCloseStatus closedWith;


		@Override
		public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
			String text = frame.text();
			onDone.accept(null);
		}

		@Override
		public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
			onDone.accept(null);
		}

		@Override
		public void flush(Consumer<@Nullable Throwable> onDone) {
			onDone.accept(null);
		}

		@Override
		public void close(PulseCloseStatus status) {
			this.closedWith = status;
		}

		@Override
		public @Nullable InetSocketAddress remoteAddress() {
			return null;
		}

	}

}
