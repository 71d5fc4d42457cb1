package io.github.pulse.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.github.pulse.core.Transport;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.socket.adapter.standard.StandardWebSocketSession;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;

/**
 * The one door into Tomcat's internals: checked against the Tomcat this build runs on, and falling back to the
 * public API when a reflective call fails at run time.
 */
class TomcatWritePathTests {

	/** The Tomcat whose internals TomcatFrameWriter was last verified against (Spring Boot 4.1.0's). */
	private static final String VERIFIED_TOMCAT = "11.0.22";

	@AfterEach
	void reset() {
		TomcatFrameWriter.resetForTests();
	}

	@Test
	void gatheredWritesFindTheInternalsOfTheTomcatThisBuildUses() {
		assertThat(TomcatFrameWriter.tomcatVersion())
			.as("Tomcat changed: re-verify TomcatFrameWriter's use of WsRemoteEndpointImplBase.startMessage, "
					+ "batchingAllowed and Constants.INTERNAL_OPCODE_FLUSH against it, then update VERIFIED_TOMCAT")
			.startsWith(VERIFIED_TOMCAT);
		assertThat(TomcatWritePath.isGathering()).isTrue();
		assertThat(TomcatWritePath.describe(true, true)).startsWith("gathered writes on Tomcat " + VERIFIED_TOMCAT);
		assertThat(TomcatWritePath.describe(false, false)).contains("public WebSocket API");
	}

	@Test
	void aReflectiveFailureAtRunTimeSwitchesEveryConnectionToThePublicApi() {
		List<String> sent = new ArrayList<>();
		StandardTransport standard = standardTransport(sent);
		TomcatGatheringTransport transport = new TomcatGatheringTransport(standard, TomcatFrameWriter.brokenForTests());
		AtomicReference<Throwable> outcome = new AtomicReference<>(new AssertionError("not completed"));
		transport.writeAndFlush(frame("{\"type\":\"message\",\"seq\":1}"), outcome::set);
		assertThat(outcome.get()).isNull();
		assertThat(sent).containsExactly("{\"type\":\"message\",\"seq\":1}");
		assertThat(TomcatFrameWriter.isDisabled()).isTrue();
		assertThat(TomcatWritePath.isGathering()).isFalse();
		// later writes, on this connection and on new ones, take the public API at once
		transport.write(frame("{\"type\":\"message\",\"seq\":2}"), outcome::set);
		transport.flush(outcome::set);
		assertThat(outcome.get()).isNull();
		assertThat(sent).hasSize(2);
		assertThat(TomcatFrameWriter.of(mock(RemoteEndpoint.Async.class))).isNull();
	}

	private static StandardTransport standardTransport(List<String> sent) {
		Session nativeSession = mock(Session.class);
		RemoteEndpoint.Async remote = mock(RemoteEndpoint.Async.class);
		given(nativeSession.getAsyncRemote()).willReturn(remote);
		given(nativeSession.getUserProperties()).willReturn(new HashMap<>());
		willAnswer((invocation) -> {
			sent.add(invocation.getArgument(0));
			((SendHandler) invocation.getArgument(1)).onResult(new SendResult(nativeSession));
			return null;
		}).given(remote).sendText(anyString(), any(SendHandler.class));
		StandardWebSocketSession session = new StandardWebSocketSession(null, null, null, null);
		return new StandardTransport(session, nativeSession, Duration.ofSeconds(10), Runnable::run);
	}

	private static Transport.Frame frame(String text) {
		return new Transport.Frame() {
			@Override
			public String text() {
				return text;
			}

			@Override
			public ByteBuffer utf8() {
				return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
			}
		};
	}

}
