package io.github.pulse.web;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.zip.Inflater;

import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.RawWebSocket;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * permessage-deflate is negotiated only with {@code pulse.compression.enabled=true}, whatever the client offers, and a
 * compressed message that inflates beyond {@code pulse.max-message-size} is refused with 1009.
 */
class CompressionIntegrationTests {

	private static final Map<String, String> OFFER = Map.of("Sec-WebSocket-Extensions",
			"permessage-deflate; client_max_window_bits");

	static RawWebSocket.Handshake offerDeflate(int port) throws IOException {
		return RawWebSocket.handshake(InetAddress.getLoopbackAddress(), port, "/pulse?room=lobby", OFFER);
	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	class ByDefault extends PulseIntegrationTest {

		@Test
		void offerOfPermessageDeflateIsDeclinedAndFramesGoUncompressed() throws IOException {
			RawWebSocket.Handshake handshake = offerDeflate(this.port);
			assertThat(handshake.status()).isEqualTo(101);
			assertThat(handshake.headers()).doesNotContainKey("sec-websocket-extensions");
			try (RawWebSocket socket = handshake.socket()) {
				// read() without an inflater fails on a frame with RSV1 set
				RawWebSocket.Frame welcome = socket.read(Duration.ofSeconds(10), null);
				assertThat(welcome.text()).contains("\"type\":\"welcome\"");
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.compression.enabled=true", "pulse.max-message-size=64KB" })
	class Enabled extends PulseIntegrationTest {

		@Test
		void offerOfPermessageDeflateIsAcceptedAndFramesAreCompressed() throws IOException {
			RawWebSocket.Handshake handshake = offerDeflate(this.port);
			assertThat(handshake.status()).isEqualTo(101);
			assertThat(handshake.headers().get("sec-websocket-extensions")).startsWith("permessage-deflate");
			Inflater inflater = new Inflater(true);
			try (RawWebSocket socket = handshake.socket()) {
				assertThat(socket.read(Duration.ofSeconds(10), inflater).text()).contains("\"type\":\"welcome\"");
				assertThat(inflater.getBytesRead()).as("compressed bytes inflated").isPositive();
				String chat = "{\"type\":\"message\",\"event\":\"echo\",\"payload\":\"hello, compressed\"}";
				socket.sendFrame(true, RawWebSocket.TEXT, RawWebSocket.deflate(chat.getBytes(StandardCharsets.UTF_8)),
						true, 0x40);
				String echoed = null;
				while (echoed == null || !echoed.contains("\"type\":\"message\"")) {
					echoed = socket.read(Duration.ofSeconds(10), inflater).text();
				}
				assertThat(echoed).contains("hello, compressed");
			}
		}

		@Test
		void compressedMessageInflatingBeyondTheMaxMessageSizeIsRefusedWith1009() throws IOException {
			RawWebSocket.Handshake handshake = offerDeflate(this.port);
			assertThat(handshake.headers().get("sec-websocket-extensions")).startsWith("permessage-deflate");
			Inflater inflater = new Inflater(true);
			try (RawWebSocket socket = handshake.socket()) {
				socket.read(Duration.ofSeconds(10), inflater);
				// 16 MiB of one letter deflate to about 16 KiB: well within the limit on the wire, 256 times beyond it
				byte[] bomb = new byte[16 * 1024 * 1024];
				java.util.Arrays.fill(bomb, (byte) 'a');
				byte[] compressed = RawWebSocket.deflate(bomb);
				assertThat(compressed.length).isLessThan(64 * 1024);
				socket.sendFrame(true, RawWebSocket.TEXT, compressed, true, 0x40);
				RawWebSocket.Frame close;
				do {
					close = socket.read(Duration.ofSeconds(10), inflater);
				}
				while (close != null && close.opcode() != RawWebSocket.CLOSE);
				assertThat(close).as("close frame").isNotNull();
				assertThat(close.closeCode()).isEqualTo(1009);
			}
			org.awaitility.Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> this.manager.connectionCount() == 0);
		}

	}

}
