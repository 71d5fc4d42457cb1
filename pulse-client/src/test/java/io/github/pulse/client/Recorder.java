package io.github.pulse.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * A listener that records every callback, for assertions.
 */
final class Recorder implements PulseClientListener {

	final List<Welcome> opens = new CopyOnWriteArrayList<>();

	final List<ClientMessage> messages = new CopyOnWriteArrayList<>();

	final List<Drop> drops = new CopyOnWriteArrayList<>();

	final List<Restore> restores = new CopyOnWriteArrayList<>();

	final List<Duration> reconnectDelays = new CopyOnWriteArrayList<>();

	final List<Integer> reconnectAttempts = new CopyOnWriteArrayList<>();

	final List<String> overflows = new CopyOnWriteArrayList<>();

	final List<ClientState> states = new CopyOnWriteArrayList<>();

	final List<Throwable> failures = new CopyOnWriteArrayList<>();

	final List<CloseReason> closes = new CopyOnWriteArrayList<>();

	final List<Throwable> errors = new CopyOnWriteArrayList<>();

	/** Every callback in order, by name. */
	final List<String> events = new CopyOnWriteArrayList<>();

	@Override
	public void onOpen(Welcome welcome) {
		this.events.add("open");
		this.opens.add(welcome);
	}

	@Override
	public void onMessage(ClientMessage message) {
		this.messages.add(message);
	}

	@Override
	public void onTransportDrop(Drop drop) {
		this.events.add("drop");
		this.drops.add(drop);
	}

	@Override
	public void onTransportRestore(Restore restore) {
		this.events.add("restore");
		this.restores.add(restore);
	}

	@Override
	public void onReconnectScheduled(int attempt, Duration delay, @Nullable Throwable lastFailure) {
		this.events.add("reconnect");
		this.reconnectAttempts.add(attempt);
		this.reconnectDelays.add(delay);
	}

	@Override
	public void onSendQueueOverflow(String event, int capacity) {
		this.events.add("overflow");
		this.overflows.add(event);
	}

	@Override
	public void onStateChange(ClientState previous, ClientState current) {
		this.states.add(current);
	}

	@Override
	public void onFailed(Throwable cause) {
		this.events.add("failed");
		this.failures.add(cause);
	}

	@Override
	public void onClose(CloseReason close) {
		this.events.add("close");
		this.closes.add(close);
	}

	@Override
	public void onError(Throwable error) {
		this.events.add("error");
		this.errors.add(error);
	}

}
