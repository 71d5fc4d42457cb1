package io.github.pulse.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.TestClient;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health during a real shutdown: the application context is closed on another thread while a client is connected,
 * and a listener holds the drain open (its {@code onDisconnect} for the shutdown blocks) so that the health
 * endpoint is read while shutdown is provably in progress, on the web server that is still serving.
 */
class PulseShutdownHealthIntegrationTests {

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@Test
	void healthTurnsOutOfServiceWhileShutdownDrainsConnections() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ChatTestApplication.class,
				HoldShutdown.class)
			.properties("server.port=0", "management.endpoint.health.show-details=always",
					"spring.main.banner-mode=off")
			.run();
		HoldShutdown hold = context.getBean(HoldShutdown.class);
		Thread closer = new Thread(context::close, "test-context-close");
		try {
			int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			TestClient client = TestClient.connect(URI.create("ws://localhost:" + port + "/pulse?room=lobby"));
			client.nextOfType("welcome");
			HttpResponse<String> up = health(port);
			assertThat(up.statusCode()).isEqualTo(200);
			JsonNode upBody = MAPPER.readTree(up.body());
			assertThat(upBody.at("/components/pulse/status").asText()).isEqualTo("UP");
			assertThat(upBody.at("/components/pulse/details/connections").asInt()).isEqualTo(1);

			closer.start();
			assertThat(hold.shutdownReachedListener.await(20, TimeUnit.SECONDS))
				.as("shutdown reached onDisconnect")
				.isTrue();
			HttpResponse<String> draining = health(port);
			assertThat(closer.isAlive()).as("shutdown still in progress").isTrue();
			assertThat(draining.statusCode()).isEqualTo(503);
			JsonNode drainingBody = MAPPER.readTree(draining.body());
			assertThat(drainingBody.path("status").asText()).isEqualTo("OUT_OF_SERVICE");
			assertThat(drainingBody.at("/components/pulse/status").asText()).isEqualTo("OUT_OF_SERVICE");

			hold.release.countDown();
			closer.join(TimeUnit.SECONDS.toMillis(30));
			assertThat(closer.isAlive()).isFalse();
			assertThat(client.awaitClose().code()).isEqualTo(1001);
		}
		finally {
			hold.release.countDown();
			if (!closer.isAlive()) {
				context.close();
			}
		}
	}

	private static HttpResponse<String> health(int port) throws IOException, InterruptedException {
		return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
			.header("Accept", "application/json")
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Blocks the shutdown drain in {@code onDisconnect} until the test releases it.
	 */
	@Configuration(proxyBeanMethods = false)
	static class HoldShutdown {

		final CountDownLatch shutdownReachedListener = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		@Bean
		PulseListener holdingListener() {
			return new PulseListener() {

				@Override
				public void onDisconnect(PulseConnection connection, DisconnectReason reason,
						@Nullable PulseCloseStatus closeStatus) {
					if (reason == DisconnectReason.SERVER_SHUTDOWN) {
						HoldShutdown.this.shutdownReachedListener.countDown();
						try {
							HoldShutdown.this.release.await(30, TimeUnit.SECONDS);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					}
				}

			};
		}

	}

}
