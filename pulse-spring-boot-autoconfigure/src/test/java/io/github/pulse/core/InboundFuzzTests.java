package io.github.pulse.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.codec.JacksonPulseCodec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import io.github.pulse.PulseCloseStatus;
import org.junit.jupiter.api.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the inbound path, codec and frame handling, with in-memory transports. The input is split into up to
 * eight text frames at the ASCII record separator (0x1E), so the seed corpus in
 * {@code src/test/resources/io/github/pulse/core/InboundFuzzTestsInputs} is readable JSON. Each input gets an
 * attacker and a bystander in a fresh room; whatever the attacker sends, no exception escapes the engine, the
 * attacker ends open or closed with exactly one disconnect for a protocol or handler error, and the bystander
 * receives every broadcast with consecutive {@code seq}.
 * <p>
 * In the normal build this runs the seed corpus (regression mode). Fuzz for real with
 * {@code JAZZER_FUZZ=1 mvn -B -o -pl pulse-spring-boot-autoconfigure test -Dtest=InboundFuzzTests}; findings are
 * written to the inputs directory and then replayed by every build.
 */
@Tag("heavy")
class InboundFuzzTests {

	private static final AtomicLong NOW = new AtomicLong(1_000_000_000L);

	private static final Map<String, List<DisconnectReason>> DISCONNECTS = new ConcurrentHashMap<>();

	private static final AtomicInteger ROOMS = new AtomicInteger();

	private static final SessionManager MANAGER = new SessionManager(PulseSettings.defaults().withInboundRate(1000, 5),
			new JacksonPulseCodec(), List.of(new ChatListener()), PulseObserver.NOOP, NOW::get);

	/** Chat behaviour like the integration tests' application: chat broadcasts, echo answers, fail throws. */
	static final class ChatListener implements PulseListener {

		@Override
		public void onMessage(PulseConnection connection, PulseMessage message) {
			switch (message.event()) {
				case "chat" -> connection.rooms().forEach((room) -> MANAGER.broadcast(room, "chat", message.payload()));
				case "echo" -> connection.send("echo", message.payload());
				case "fail" -> throw new IllegalStateException("listener failure on purpose");
				case "join" -> connection.join(message.payload(String.class));
				default -> {
				}
			}
		}

		@Override
		public void onDisconnect(PulseConnection connection, DisconnectReason reason,
				@Nullable PulseCloseStatus closeStatus) {
			DISCONNECTS.computeIfAbsent(connection.id(), (id) -> new CopyOnWriteArrayList<>()).add(reason);
		}

	}

	@AfterAll
	static void shutdown() {
		MANAGER.shutdown();
	}

	@FuzzTest(maxDuration = "2m")
	void whateverAClientSendsTheEngineStaysConsistentAndTheBystanderLosesNothing(byte[] input) {
		String room = "fuzz-" + ROOMS.incrementAndGet();
		String attackerId = room + "-attacker";
		String bystanderId = room + "-bystander";
		FakeTransport attackerTransport = new FakeTransport();
		FakeTransport bystanderTransport = new FakeTransport();
		PulseConnection attacker = MANAGER.open(attackerTransport, ConnectDecision.accept(attackerId, List.of(room)),
				null, null, 0);
		PulseConnection bystander = MANAGER.open(bystanderTransport,
				ConnectDecision.accept(bystanderId, List.of(room)), null, null, 0);

		String text = new String(input, StandardCharsets.UTF_8);
		for (String frame : text.split("\u001e", 8)) {
			MANAGER.onText(attacker, attackerTransport, frame, frame.getBytes(StandardCharsets.UTF_8).length);
			NOW.addAndGet(1_000_000);
		}
		MANAGER.broadcast(room, "marker", "end");

		assertThat(bystander.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(DISCONNECTS.get(bystanderId)).isNull();
		List<String> received = bystanderTransport.messages();
		for (int i = 0; i < received.size(); i++) {
			assertThat(received.get(i)).startsWith("{\"type\":\"message\",\"seq\":" + (i + 1) + ",");
		}
		assertThat(received).last().asString().contains("\"event\":\"marker\"");
		List<DisconnectReason> attackerEnd = DISCONNECTS.getOrDefault(attackerId, List.of());
		if (attacker.state() == ConnectionState.CLOSED) {
			assertThat(attackerEnd).hasSize(1);
			assertThat(attackerEnd.get(0)).isIn(DisconnectReason.PROTOCOL_ERROR, DisconnectReason.HANDLER_ERROR);
		}
		else {
			assertThat(attacker.state()).isEqualTo(ConnectionState.OPEN);
			assertThat(attackerEnd).isEmpty();
		}

		MANAGER.kick(attackerId);
		MANAGER.kick(bystanderId);
		assertThat(MANAGER.connection(attackerId)).isNull();
		assertThat(MANAGER.connection(bystanderId)).isNull();
		assertThat(MANAGER.rooms()).isEmpty();
		DISCONNECTS.remove(attackerId);
		DISCONNECTS.remove(bystanderId);
	}

}
