package io.github.pulse.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A room chat on pulse. Open {@code http://localhost:8080/} for the chat and {@code /ops.html} for the operations
 * page. The WebSocket endpoint is {@code /pulse}; the {@code room} query parameter picks the room (default
 * {@code lobby}), the {@code name} parameter the user ({@link SampleConnectHandler}), a {@code chat} message is
 * broadcast to the sender's rooms as it is and a {@code dm} goes to every connection of a user
 * ({@link ChatHandlers}). Clients may join every room but {@code admin-*} themselves, with presence and history.
 */
@SpringBootApplication
public class SampleApplication {

	/**
	 * Starts the sample.
	 * @param args command line arguments
	 */
	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
