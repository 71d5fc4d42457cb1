package io.github.pulse.web;

import java.net.URI;

import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class TransportDropDisabledIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Test
	void withoutTheDebugSwitchADropRequestIsAnOrdinaryMessageAndTheConnectionStaysOpen() {
		assertThat(this.context.getBeansOfType(TransportDropListener.class)).isEmpty();
		try (TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse"))) {
			client.nextOfType("welcome");
			client.sendMessage("pulse.drop", "null");
			client.sendMessage("echo", "\"still here\"");
			assertThat(client.nextOfType("message").path("payload").asText()).isEqualTo("still here");
			assertThat(client.isClosed()).isFalse();
		}
	}

}
