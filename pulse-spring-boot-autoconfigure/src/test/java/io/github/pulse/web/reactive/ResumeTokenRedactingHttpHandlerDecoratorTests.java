package io.github.pulse.web.reactive;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request, and the Reactor context, that everything after {@link ResumeTokenRedactingHttpHandlerDecorator}
 * sees.
 */
class ResumeTokenRedactingHttpHandlerDecoratorTests {

	private final AtomicReference<ServerHttpRequest> seen = new AtomicReference<>();

	private final AtomicReference<String> originalQuery = new AtomicReference<>();

	private final HttpHandler handler = new ResumeTokenRedactingHttpHandlerDecorator("/pulse")
		.apply((request, response) -> Mono.deferContextual((context) -> {
			this.seen.set(request);
			this.originalQuery
				.set(context.getOrDefault(ResumeTokenRedactingHttpHandlerDecorator.ORIGINAL_QUERY_KEY, null));
			return Mono.empty();
		}));

	private void handle(MockServerHttpRequest request) {
		this.handler.handle(request, new MockServerHttpResponse()).block();
	}

	@Test
	void aHandshakeOnThePulsePathIsSeenWithoutItsTokenAndTheRealQueryGoesInTheContext() {
		handle(MockServerHttpRequest.get("/pulse?room=lobby&resume=s3cr3t-t0ken&lastSeq=3").build());
		assertThat(this.seen.get().getURI().getRawQuery()).isEqualTo("room=lobby&resume=redacted&lastSeq=3");
		assertThat(this.seen.get().getURI().toString()).doesNotContain("s3cr3t");
		assertThat(this.seen.get().getQueryParams().getFirst("resume")).isEqualTo("redacted");
		assertThat(this.seen.get().getQueryParams().getFirst("lastSeq")).isEqualTo("3");
		assertThat(this.seen.get().getPath().value()).isEqualTo("/pulse");
		assertThat(this.originalQuery.get()).isEqualTo("room=lobby&resume=s3cr3t-t0ken&lastSeq=3");
	}

	@Test
	void anEncodedTokenIsKeptEncodedInTheContext() {
		handle(MockServerHttpRequest.get("/pulse?resume={token}&lastSeq=0", "a=b c").build());
		assertThat(this.seen.get().getURI().getRawQuery()).isEqualTo("resume=redacted&lastSeq=0");
		assertThat(this.originalQuery.get()).isEqualTo("resume=a%3Db%20c&lastSeq=0");
	}

	@Test
	void aHandshakeWithoutAResumeParameterIsLeftAlone() {
		MockServerHttpRequest request = MockServerHttpRequest.get("/pulse?room=lobby").build();
		handle(request);
		assertThat(this.seen.get()).isSameAs(request);
		assertThat(this.originalQuery.get()).isNull();
	}

	@Test
	void theApplicationsOwnResumeParametersOnOtherPathsAreLeftAlone() {
		MockServerHttpRequest request = MockServerHttpRequest.get("/jobs?resume=42").build();
		handle(request);
		assertThat(this.seen.get()).isSameAs(request);
		assertThat(this.originalQuery.get()).isNull();
	}

}
