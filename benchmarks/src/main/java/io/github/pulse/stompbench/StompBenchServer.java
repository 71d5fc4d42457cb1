package io.github.pulse.stompbench;

import java.util.Map;

import io.github.pulse.bench.BenchServers;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.handler.annotation.SendTo;
import org.springframework.messaging.simp.annotation.SendToUser;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.stereotype.Controller;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;

/**
 * The STOMP peer: what a Spring user picks when pulse is not there. Spring's simple broker over a plain WebSocket
 * endpoint ({@code /stomp}, no SockJS), a topic per room ({@code /topic/<room>}); a {@code SEND} to
 * {@code /app/chat/<room>} is broadcast to that topic and a {@code SEND} to {@code /app/echo} answers the sender only
 * ({@code @SendToUser}, which falls back to the session when there is no user). Payloads are JSON, read and written
 * by the message converter Spring Boot configures (Jackson).
 * <p>
 * Default settings otherwise, as a user would leave them: no broker heart-beats (no task scheduler), WebSocket
 * transport limits of {@code WebSocketTransportRegistration} (64 KiB message size, 10 s send time limit, 512 KiB send
 * buffer per session), and both client channels on Spring Boot's {@code applicationTaskExecutor} (8 core threads,
 * unbounded queue). pulse is switched off ({@code pulse.enabled=false}, which every pulse auto-configuration
 * honours directly or through the engine bean it needs); this class lives outside {@code io.github.pulse.bench} so
 * that the pulse server's component scan does not pick it up.
 */
@SpringBootApplication
@EnableWebSocketMessageBroker
public class StompBenchServer implements WebSocketMessageBrokerConfigurer {

	/**
	 * Starts the STOMP server.
	 * @param args Spring Boot arguments, e.g. {@code --server.port=8080}
	 */
	public static void main(String[] args) {
		application().run(BenchServers.arguments(args));
	}

	/**
	 * The application with pulse switched off, for {@link #main} and for tests.
	 * @return the application, not yet run
	 */
	public static SpringApplication application() {
		SpringApplication application = new SpringApplication(StompBenchServer.class);
		application.setDefaultProperties(Map.of("pulse.enabled", "false"));
		return application;
	}

	@Override
	public void registerStompEndpoints(StompEndpointRegistry registry) {
		registry.addEndpoint("/stomp");
	}

	@Override
	public void configureMessageBroker(MessageBrokerRegistry registry) {
		registry.enableSimpleBroker("/topic", "/queue");
		registry.setApplicationDestinationPrefixes("/app");
	}

	/**
	 * Rooms as topics: a chat message is broadcast to everyone subscribed to its room's topic.
	 */
	@Controller
	static class ChatController {

		@MessageMapping("/chat/{room}")
		@SendTo("/topic/{room}")
		Map<String, Object> chat(Map<String, Object> payload) {
			return payload;
		}

		@MessageMapping("/echo")
		@SendToUser("/queue/echo")
		Map<String, Object> echo(Map<String, Object> payload) {
			return payload;
		}

	}

}
