package io.github.pulse.client;

import java.net.URI;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class EndpointsTests {

	@Test
	void httpSchemesBecomeWebSocketSchemes() {
		assertThat(Endpoints.websocket(URI.create("http://example.com/pulse?room=a%20b")))
			.hasToString("ws://example.com/pulse?room=a%20b");
		assertThat(Endpoints.websocket(URI.create("HTTPS://example.com:8443/pulse")))
			.hasToString("wss://example.com:8443/pulse");
		assertThat(Endpoints.websocket(URI.create("wss://example.com/pulse#top"))).hasToString("wss://example.com/pulse");
	}

	@Test
	void otherSchemesAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> Endpoints.websocket(URI.create("ftp://example.com/")))
			.withMessageContaining("must start with ws://, wss://, http:// or https://");
	}

	@Test
	void resumeParametersAreAppendedToTheQuery() {
		assertThat(Endpoints.resume(URI.create("ws://h/pulse"), "a-b_c", 7)).hasToString("ws://h/pulse?resume=a-b_c&lastSeq=7");
		assertThat(Endpoints.resume(URI.create("ws://h/pulse?room=x"), "t+/=", 0))
			.hasToString("ws://h/pulse?room=x&resume=t%2B%2F%3D&lastSeq=0");
	}

}
