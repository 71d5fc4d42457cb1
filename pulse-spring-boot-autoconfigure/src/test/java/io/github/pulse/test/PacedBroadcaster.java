package io.github.pulse.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thread that broadcasts 0, 1, 2, ... about 2,000 times a second (paced, so that many test clients keep up on a
 * busy machine) until told to finish, and then a given number more: for tests that check what clients joining
 * meanwhile get.
 */
public final class PacedBroadcaster implements AutoCloseable {

	private final AtomicBoolean finishing = new AtomicBoolean();

	private final AtomicInteger sent = new AtomicInteger();

	private final Thread thread;

	/**
	 * Starts broadcasting.
	 * @param broadcast broadcasts one number
	 * @param extra how many more it broadcasts once told to finish
	 */
	public PacedBroadcaster(IntConsumer broadcast, int extra) {
		this.thread = new Thread(() -> {
			int more = 0;
			while (more < extra) {
				broadcast.accept(this.sent.getAndIncrement());
				if (this.finishing.get()) {
					more++;
				}
				LockSupport.parkNanos(500_000);
			}
		}, "paced-broadcaster");
		this.thread.start();
	}

	/**
	 * How many it broadcast so far.
	 * @return the count
	 */
	public int sent() {
		return this.sent.get();
	}

	/**
	 * Broadcasts the extra ones and waits for the last.
	 * @return the last number broadcast
	 * @throws InterruptedException if interrupted while waiting
	 */
	public int finish() throws InterruptedException {
		this.finishing.set(true);
		this.thread.join();
		return this.sent.get() - 1;
	}

	/**
	 * Reads a client's answer to a join that asked for history and its frames up to the last number broadcast, and
	 * checks them: the answer announced {@code history} frames, those come first marked {@code "history":true}, then
	 * live frames, the numbers consecutive throughout (no gap, no duplicate), no {@code missed} count anywhere.
	 * @param client the client
	 * @param history how many frames of history its answer must announce
	 * @param last the last number broadcast
	 * @param who the client, for the failure message
	 */
	public static void assertHistoryThenLive(TestClient client, int history, int last, String who) {
		int count = client.nextOfType("joined").path("history").asInt();
		List<JsonNode> frames = new ArrayList<>();
		while (frames.isEmpty() || frames.get(frames.size() - 1).path("payload").asInt() < last) {
			frames.add(client.next());
		}
		String seen = who + ", history " + count + ", frames " + frames;
		assertThat(frames).as(seen).noneMatch((frame) -> frame.has("missed"));
		assertThat(count).as(seen).isEqualTo(history);
		for (int i = 0; i < frames.size(); i++) {
			JsonNode frame = frames.get(i);
			assertThat(frame.path("type").asText()).as(seen).isEqualTo("message");
			assertThat(frame.path("history").asBoolean()).as("frame %d of %s", i, seen).isEqualTo(i < count);
			if (i > 0) {
				assertThat(frame.path("payload").asInt()).as("frame %d of %s", i, seen)
					.isEqualTo(frames.get(i - 1).path("payload").asInt() + 1);
			}
		}
	}

	@Override
	public void close() throws InterruptedException {
		finish();
	}

}
