package io.github.pulse.web;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.RawWebSocket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The per-address limits from several loopback source addresses (127.0.0.x, one set per test): beyond them a
 * handshake gets 429 with {@code Retry-After} and no body, counted by cause, while other addresses are unaffected.
 */
class AddressLimitIntegrationTests {

	static InetAddress loopback(int last) throws IOException {
		return InetAddress.getByAddress(new byte[] { 127, 0, 0, (byte) last });
	}

	static RawWebSocket.Handshake handshake(int port, InetAddress from, Map<String, String> headers)
			throws IOException {
		return RawWebSocket.handshake(from, port, "/pulse", headers);
	}

	static void assertTooMany(RawWebSocket.Handshake refused, long minRetry, long maxRetry) {
		assertThat(refused.status()).isEqualTo(429);
		assertThat(refused.body()).isEmpty();
		assertThat(refused.headers()).containsKey("retry-after");
		assertThat(Long.parseLong(refused.headers().get("retry-after"))).isBetween(minRetry, maxRetry);
	}

	abstract static class Base extends PulseIntegrationTest {

		@Autowired
		MeterRegistry meters;

		final List<RawWebSocket> open = new ArrayList<>();

		double rejected(String cause) {
			Counter counter = this.meters.find("pulse.handshakes.rejected").tag("cause", cause).counter();
			return (counter != null) ? counter.count() : 0;
		}

		RawWebSocket connected(InetAddress from, Map<String, String> headers) throws IOException {
			RawWebSocket.Handshake handshake = handshake(this.port, from, headers);
			assertThat(handshake.status()).as("handshake from %s", from).isEqualTo(101);
			RawWebSocket socket = handshake.socket();
			this.open.add(socket);
			assertThat(socket.nextText()).contains("\"type\":\"welcome\"");
			return socket;
		}

		/** Drops the connection without a close frame. */
		void closeNow(RawWebSocket socket) {
			socket.close();
			this.open.remove(socket);
		}

		RawWebSocket connected(InetAddress from) throws IOException {
			return connected(from, Map.of());
		}

		/** Closes every connection still open with a close frame, and waits until the server has let them go. */
		void closeAll() {
			for (RawWebSocket socket : this.open) {
				try (socket) {
					socket.sendFrame(true, RawWebSocket.CLOSE, new byte[] { 0x03, (byte) 0xe8 }, true, 0);
					socket.awaitClose();
				}
				catch (IOException ex) {
					// closed already
				}
			}
			this.open.clear();
			await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.connectionCount() == 0);
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "pulse.max-connections-per-address=2")
	class ConnectionsPerAddress extends Base {

		@Test
		void connectionsBeyondTheLimitFromOneAddressGet429AndOtherAddressesAreUnaffected() throws IOException {
			double before = rejected("max-connections-per-address");
			try {
				InetAddress crowded = loopback(2);
				RawWebSocket first = connected(crowded);
				connected(crowded);
				assertTooMany(handshake(this.port, crowded, Map.of()), 1, 60);
				assertThat(rejected("max-connections-per-address")).isEqualTo(before + 1);
				connected(loopback(3));
				connected(loopback(3));
				assertThat(this.manager.connectionCount()).isEqualTo(4);

				// a closed connection gives its place back
				first.sendFrame(true, RawWebSocket.CLOSE, new byte[] { 0x03, (byte) 0xe8 }, true, 0);
				assertThat(first.awaitClose().closeCode()).isEqualTo(1000);
				await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.connectionCount() == 3);
				connected(crowded);
				assertTooMany(handshake(this.port, crowded, Map.of()), 1, 60);
			}
			finally {
				closeAll();
			}
		}

		@Test
		void connectionsDroppedWithoutACloseFrameGiveTheirPlaceBack() throws IOException {
			try {
				InetAddress address = loopback(4);
				RawWebSocket dropped = connected(address);
				connected(address);
				closeNow(dropped);
				// the session waits for a resume, but the transport is gone and so is its place
				await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.connectionCount() == 1);
				connected(address);
			}
			finally {
				closeAll();
			}
		}

		@Test
		void refusedHandshakesDoNotTakeAPlace() throws IOException {
			try {
				InetAddress address = loopback(5);
				for (int i = 0; i < 3; i++) {
					assertThat(handshake(this.port, address, Map.of("Sec-WebSocket-Protocol", "chat.v9")).status())
						.isEqualTo(400);
				}
				connected(address);
				connected(address);
			}
			finally {
				closeAll();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.handshake.rate=0.01", "pulse.handshake.burst=2" })
	class HandshakeRate extends Base {

		@Test
		void handshakesBeyondTheBurstGet429WithTheWaitAndOtherAddressesAreUnaffected() throws IOException {
			double before = rejected("handshake-rate");
			try {
				InetAddress hasty = loopback(6);
				closeNow(connected(hasty));
				closeNow(connected(hasty));
				// one handshake per 100 s: the next is at most 100 s away
				assertTooMany(handshake(this.port, hasty, Map.of()), 1, 100);
				assertThat(rejected("handshake-rate")).isEqualTo(before + 1);
				connected(loopback(7));
			}
			finally {
				closeAll();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.max-connections-per-address=1", "server.forward-headers-strategy=framework" })
	class BehindAProxy extends Base {

		@Test
		void addressComesFromTheForwardedHeaderWhenForwardedHeadersAreHandled() throws IOException {
			try {
				Map<String, String> client = Map.of("X-Forwarded-For", "203.0.113.7");
				connected(loopback(8), client);
				// another hop, the same client: refused
				assertTooMany(handshake(this.port, loopback(9), client), 1, 60);
				// the same hop, another client: accepted
				connected(loopback(8), Map.of("X-Forwarded-For", "203.0.113.8"));
			}
			finally {
				closeAll();
			}
		}

	}

}
