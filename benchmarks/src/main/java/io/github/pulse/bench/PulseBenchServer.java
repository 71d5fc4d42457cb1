package io.github.pulse.bench;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The pulse server under benchmark: {@code chat} is broadcast to the sender's rooms, {@code echo} goes back.
 */
@SpringBootApplication
public class PulseBenchServer {

	public static void main(String[] args) {
		SpringApplication.run(PulseBenchServer.class, BenchServers.arguments(args));
	}

	@Bean
	PulseListener benchListener(PulseServer server) {
		return new PulseListener() {
			@Override
			public void onMessage(PulseConnection connection, PulseMessage message) {
				switch (message.event()) {
					case "chat" -> connection.rooms().forEach((room) -> server.broadcast(room, "chat", message.payload()));
					case "echo" -> connection.send("echo", message.payload());
					default -> {
					}
				}
			}
		};
	}

}
