package io.github.pulse.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.github.pulse.cluster.ClusterMessage.Broadcast;
import io.github.pulse.cluster.ClusterMessage.Position;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbox's position and the deliveries to this node's members agree for whoever holds the delivery lock (a session
 * snapshot reads both under it: a snapshot that says the node delivered a broadcast its session has not got would,
 * after the node's death, make the resume skip that broadcast without counting it).
 */
class ClusterInboxTests {

	private final ReentrantLock deliveryLock = new ReentrantLock();

	@Test
	void underTheDeliveryLockThePositionNeverPassesWhatTheMembersGot() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch looked = new CountDownLatch(1);
		List<Long> delivered = new ArrayList<>();
		ClusterInbox inbox = new ClusterInbox(new ClusterInbox.Target() {

			@Override
			public int deliver(Broadcast broadcast, long lost) {
				if (broadcast.g() == 12) {
					// the inbox thread is on its way to the members: a snapshot may be read right now
					entered.countDown();
					await(looked);
				}
				ClusterInboxTests.this.deliveryLock.lock();
				try {
					delivered.add(broadcast.g());
				}
				finally {
					ClusterInboxTests.this.deliveryLock.unlock();
				}
				return 1;
			}

			@Override
			public java.util.Set<String> neededRooms() {
				return java.util.Set.of("lobby");
			}

			@Override
			public void lostBeforeUndelivered(String room, long lost) {
			}

			@Override
			public void advanced() {
			}

			@Override
			public void command(String text) {
			}

		}, null, new ClusterKeys("test:"), 16, 1000, this.deliveryLock);
		inbox.process(new Position("e1", 10, true));
		inbox.process(broadcast(11, 1));
		Thread inboxThread = new Thread(() -> inbox.process(broadcast(12, 2)));
		inboxThread.start();
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
		// a snapshot's read: the position and what the members got, together
		if (this.deliveryLock.tryLock(200, TimeUnit.MILLISECONDS)) {
			try {
				assertThat(inbox.delivered()).as("position read with the members' deliveries %s", delivered)
					.isEqualTo(delivered.get(delivered.size() - 1));
			}
			finally {
				this.deliveryLock.unlock();
				looked.countDown();
			}
		}
		else {
			// the inbox thread holds it from the position's advance to the delivery: nothing to see in between
			looked.countDown();
		}
		inboxThread.join(10_000);
		assertThat(delivered).containsExactly(11L, 12L);
		assertThat(inbox.delivered()).isEqualTo(12);
	}

	private static Broadcast broadcast(long g, long n) {
		return new Broadcast("e1", g, n, "node-2", g, "lobby", ",\"event\":\"tick\"");
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
