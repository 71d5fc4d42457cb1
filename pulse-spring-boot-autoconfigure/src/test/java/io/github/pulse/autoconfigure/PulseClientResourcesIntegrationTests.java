package io.github.pulse.autoconfigure;

import java.io.IOException;
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

@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class PulseClientResourcesIntegrationTests {

	static final HttpClient HTTP = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void browserClientIsServedBesideTheEndpointAsAJavaScriptModule() throws Exception {
		HttpResponse<String> script = get("/pulse/client.js");
		assertThat(script.statusCode()).isEqualTo(200);
		assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/javascript"));
		assertThat(script.headers().firstValue("Cache-Control")).hasValue("no-cache");
		assertThat(script.body()).contains("export class PulseClient").doesNotContainPattern("(?m)^import ");
		String etag = script.headers().firstValue("ETag").orElseThrow();
		HttpResponse<String> revalidated = HTTP.send(HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + "/pulse/client.js"))
			.header("If-None-Match", etag)
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(revalidated.statusCode()).isEqualTo(304);
		HttpResponse<String> head = HTTP.send(HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + "/pulse/client.js"))
			.method("HEAD", HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValue("Content-Type")).hasValue("text/javascript;charset=UTF-8");
		HttpResponse<String> types = get("/pulse/client.d.ts");
		assertThat(types.statusCode()).isEqualTo(200);
		assertThat(types.headers().firstValue("Content-Type")).hasValue("text/plain;charset=UTF-8");
		assertThat(types.body()).contains("export declare class PulseClient");
	}

	@Test
	void onlyTheClientFilesAreMappedAndTheWebSocketEndpointStillAnswers() throws Exception {
		assertThat(get("/pulse/other.js").statusCode()).isEqualTo(404);
		assertThat(get("/pulse/client.jsx").statusCode()).isEqualTo(404);
		try (TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse"))) {
			assertThat(client.next().path("type").asText()).isEqualTo("welcome");
		}
	}

}
