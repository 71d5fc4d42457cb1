package io.github.pulse.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "pulse.path=/realtime/ws")
class PulseClientResourcesCustomPathIntegrationTests {

	@LocalServerPort
	int port;

	int status(String path) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

	@Test
	void clientFollowsPulsePath() throws Exception {
		assertThat(status("/realtime/ws/client.js")).isEqualTo(200);
		assertThat(status("/pulse/client.js")).isEqualTo(404);
		try (TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/realtime/ws"))) {
			assertThat(client.next().path("type").asText()).isEqualTo("welcome");
		}
	}

}
