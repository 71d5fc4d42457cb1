package io.github.pulse.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.codec.JacksonPulseCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A frame another node sent to a connection of this node whose send buffer is full: the sender was told the cluster
 * accepted it, so it is dropped here, counted as a drop, never thrown on the cluster's inbox thread.
 */
class RemoteSendTests {

	private final List<String> drops = new CopyOnWriteArrayList<>();

	private final AtomicLong now = new AtomicLong();

	private SessionManager manager;

	@AfterEach
	void stop() {
		if (this.manager != null) {
			this.manager.shutdown();
		}
	}

	@Test
	void aRemoteSendIntoAFullSendBufferIsDroppedAndCountedNotThrown() {
		PulseSettings settings = EngineRaceTests.settings(4, 64);
		PulseObserver observer = new PulseObserver() {
			@Override
			public void frameDropped(String cause) {
				RemoteSendTests.this.drops.add(cause);
			}
		};
		this.manager = new SessionManager(settings, new JacksonPulseCodec(), List.of(), observer, this.now::get);
		this.manager.setExecutor(Runnable::run);
		FakeTransport transport = new FakeTransport();
		transport.stall();
		String id = this.manager.open(transport, ConnectDecision.accept("bob", List.of()), null, null, 0).id();
		int sent = 0;
		while (this.drops.isEmpty() && sent < 100) {
			assertThat(this.manager.deliverSend(id, ",\"event\":\"dm\",\"payload\":" + sent, true)).isTrue();
			sent++;
		}
		assertThat(this.drops).containsExactly("send-buffer-overflow");
		assertThat(sent).as("sends before the buffer was full").isLessThan(100);
		assertThat(this.manager.connection(id).state()).isEqualTo(ConnectionState.OPEN);
	}

}
