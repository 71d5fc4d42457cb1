package io.github.pulse.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pulse server never sends a sequence number twice, so the client's de-duplication cannot be seen against one.
 * This scripted WebSocket server repeats frames on purpose, within a transport and across a resume.
 */
class DuplicateFrameTests {

	@Test
	void frameWithASequenceNumberAlreadyDeliveredIsDroppedWithinATransportAndAcrossAResume() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ScriptedServer.class)
			.properties("server.port=0", "pulse.enabled=false", "spring.main.banner-mode=off")
			.run()) {
			ScriptedServer server = context.getBean(ScriptedServer.class);
			int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			Recorder recorder = new Recorder();
			try (PulseClient client = PulseClient.builder("ws://127.0.0.1:" + port + "/scripted")
				.backoff(Duration.ofMillis(10), Duration.ofMillis(10), 1, 0)
				.listener(recorder)
				.connect()) {
				await().untilAsserted(() -> assertThat(recorder.messages).hasSize(5));
				assertThat(recorder.messages).extracting(ClientMessage::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
				assertThat(recorder.messages).extracting((message) -> message.payload().asText())
					.containsExactly("a", "b", "c", "d", "e");
				assertThat(client.duplicatesDropped()).isEqualTo(4);
				assertThat(server.handshakes).hasSize(2);
				assertThat(server.handshakes.get(1).getQuery()).isEqualTo("resume=token-1&lastSeq=4");
				assertThat(recorder.restores).singleElement().satisfies((restore) -> {
					assertThat(restore.resumed()).isTrue();
					assertThat(restore.replayed()).isEqualTo(3);
				});
			}
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableWebSocket
	static class ScriptedServer extends TextWebSocketHandler implements WebSocketConfigurer {

		final List<URI> handshakes = new CopyOnWriteArrayList<>();

		@Override
		public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
			registry.addHandler(this, "/scripted");
		}

		@Override
		public void afterConnectionEstablished(WebSocketSession session) throws Exception {
			this.handshakes.add(session.getUri());
			if (this.handshakes.size() == 1) {
				send(session, "{\"type\":\"welcome\",\"connectionId\":\"c1\",\"rooms\":[],\"heartbeatMs\":25000,"
						+ "\"resumeToken\":\"token-1\",\"resumeWindowMs\":30000}");
				send(session, message(1, "a"), message(2, "b"), message(2, "b"), message(3, "c"), message(1, "a"),
						message(4, "d"));
				session.close(CloseStatus.SERVICE_RESTARTED);
			}
			else {
				send(session, "{\"type\":\"resumed\",\"connectionId\":\"c1\",\"resumeToken\":\"token-2\","
						+ "\"replayed\":3,\"missed\":0}");
				send(session, message(3, "c"), message(4, "d"), message(5, "e"));
			}
		}

		private static String message(long seq, String payload) {
			return "{\"type\":\"message\",\"seq\":" + seq + ",\"event\":\"letter\",\"payload\":\"" + payload + "\"}";
		}

		private static void send(WebSocketSession session, String... frames) throws Exception {
			for (String frame : frames) {
				session.sendMessage(new TextMessage(frame));
			}
		}

	}

}
