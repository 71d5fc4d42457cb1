package io.github.pulse.rawbench;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.github.pulse.bench.BenchServers;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The "raw" peer: what a Spring user writes by hand. A plain {@link WebSocketHandler} on Tomcat keeps sessions per
 * room, wraps each in a {@link ConcurrentWebSocketSessionDecorator} and broadcasts one pre-encoded
 * {@link TextMessage} per {@code chat} to the sender's room; {@code echo} goes back to the sender. It speaks the same wire format as pulse (welcome, then
 * {@code message} frames; no seq, heartbeat, resume or metrics), so the same load generator measures both. pulse is
 * switched off ({@code pulse.enabled=false}); this class lives outside {@code io.github.pulse.bench} so that the
 * pulse server's component scan does not pick it up.
 */
@SpringBootApplication
@EnableWebSocket
public class RawBenchServer {

	/** Per-session send time limit, as in Spring's STOMP support. */
	private static final int SEND_TIME_LIMIT_MILLIS = 10_000;

	/** Per-session buffer before messages are dropped: pulse's default send buffer is 1 MiB too. */
	private static final int BUFFER_SIZE_LIMIT = 1024 * 1024;

	/**
	 * Starts the raw server.
	 * @param args Spring Boot arguments, e.g. {@code --server.port=8080}
	 */
	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(RawBenchServer.class);
		application.setDefaultProperties(Map.of("pulse.enabled", "false"));
		application.run(BenchServers.arguments(args));
	}

	@Bean
	WebSocketConfigurer rawEndpoint() {
		return (registry) -> registry.addHandler(new RoomBroadcastHandler(), "/pulse");
	}

	/**
	 * Rooms of decorated sessions; {@code chat} is re-encoded once and sent to every session of the sender's room.
	 */
	static final class RoomBroadcastHandler extends TextWebSocketHandler {

		private final Map<String, Set<WebSocketSession>> rooms = new ConcurrentHashMap<>();

		private final Map<String, String> roomOfSession = new ConcurrentHashMap<>();

		@Override
		public void afterConnectionEstablished(WebSocketSession session) throws IOException {
			WebSocketSession decorated = new ConcurrentWebSocketSessionDecorator(session, SEND_TIME_LIMIT_MILLIS,
					BUFFER_SIZE_LIMIT, ConcurrentWebSocketSessionDecorator.OverflowStrategy.DROP);
			String room = room(session.getUri());
			this.roomOfSession.put(session.getId(), room);
			this.rooms.computeIfAbsent(room, (key) -> ConcurrentHashMap.newKeySet()).add(decorated);
			session.getAttributes().put("decorated", decorated);
			decorated.sendMessage(new TextMessage("{\"type\":\"welcome\",\"connectionId\":\"" + UUID.randomUUID()
					+ "\",\"rooms\":[\"" + room + "\"],\"heartbeatMs\":0}"));
		}

		@Override
		protected void handleTextMessage(WebSocketSession session, TextMessage message) {
			String text = message.getPayload();
			int payloadStart = text.indexOf("\"payload\":");
			String payload = (payloadStart >= 0) ? text.substring(payloadStart + 10, text.lastIndexOf('}')) : "null";
			if (text.contains("\"event\":\"echo\"")) {
				send((WebSocketSession) session.getAttributes().get("decorated"),
						new TextMessage("{\"type\":\"message\",\"seq\":0,\"event\":\"echo\",\"payload\":" + payload + "}"));
				return;
			}
			if (!text.contains("\"event\":\"chat\"")) {
				return;
			}
			String room = this.roomOfSession.get(session.getId());
			TextMessage encoded = new TextMessage("{\"type\":\"message\",\"seq\":0,\"event\":\"chat\",\"room\":\"" + room
					+ "\",\"payload\":" + payload + "}");
			for (WebSocketSession member : this.rooms.getOrDefault(room, Set.of())) {
				send(member, encoded);
			}
		}

		private static void send(WebSocketSession session, TextMessage message) {
			try {
				session.sendMessage(message);
			}
			catch (IOException | RuntimeException ex) {
				// a failed session is removed when its connection closes
			}
		}

		@Override
		public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
			String room = this.roomOfSession.remove(session.getId());
			Object decorated = session.getAttributes().get("decorated");
			if (room != null && decorated != null) {
				this.rooms.computeIfPresent(room, (key, members) -> {
					members.remove(decorated);
					return members.isEmpty() ? null : members;
				});
			}
		}

		private static String room(URI uri) {
			String room = (uri != null) ? UriComponentsBuilder.fromUri(uri).build().getQueryParams().getFirst("room")
					: null;
			return (room != null && room.matches("[A-Za-z0-9._:-]{1,128}")) ? room : "default";
		}

	}

}
