package io.github.pulse.web;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AddressLimits} on a manual clock: the token bucket, the connection count, the bounded table and its aging.
 */
class AddressLimitsTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private AddressLimits limits(int maxConnections, double rate, int burst, int maxAddresses) {
		return new AddressLimits(maxConnections, rate, burst, maxAddresses, this.now::get);
	}

	private void advanceSeconds(double seconds) {
		this.now.addAndGet((long) (seconds * TimeUnit.SECONDS.toNanos(1)));
	}

	@Test
	void rateAllowsTheBurstThenOneHandshakePerIntervalAndSaysHowLongToWait() {
		AddressLimits limits = limits(-1, 0.5, 2, 10);
		assertThat(limits.admit("10.0.0.1").admitted()).isTrue();
		assertThat(limits.admit("10.0.0.1").admitted()).isTrue();
		AddressLimits.Admission refused = limits.admit("10.0.0.1");
		assertThat(refused.rejection()).isEqualTo("handshake-rate");
		assertThat(refused.retryAfterSeconds()).isEqualTo(2);
		assertThat(limits.admit("10.0.0.2").admitted()).as("another address").isTrue();
		advanceSeconds(1.5);
		assertThat(limits.admit("10.0.0.1").retryAfterSeconds()).isEqualTo(1);
		advanceSeconds(0.5);
		assertThat(limits.admit("10.0.0.1").admitted()).isTrue();
	}

	@Test
	void connectionsAreCountedUntilReleasedAndAReleaseCountsOnce() {
		AddressLimits limits = limits(2, 0, 1, 10);
		AddressLimits.Lease first = limits.admit("10.0.0.1").lease();
		AddressLimits.Lease second = limits.admit("10.0.0.1").lease();
		first.opened();
		second.opened();
		AddressLimits.Admission refused = limits.admit("10.0.0.1");
		assertThat(refused.rejection()).isEqualTo("max-connections-per-address");
		assertThat(refused.retryAfterSeconds()).isEqualTo(AddressLimits.CONNECTION_LIMIT_RETRY_AFTER_SECONDS);
		first.release();
		first.release();
		AddressLimits.Lease third = limits.admit("10.0.0.1").lease();
		assertThat(third).isNotNull();
		assertThat(limits.admit("10.0.0.1").admitted()).as("a double release freed one place only").isFalse();
	}

	@Test
	void placeOfAHandshakeWhoseWebSocketNeverOpenedIsGivenBackAfterTheTimeout() {
		AddressLimits limits = limits(1, 0, 1, 10);
		AddressLimits.Lease opened = limits.admit("10.0.0.1").lease();
		opened.opened();
		limits.admit("10.0.0.2").lease();
		this.now.addAndGet(AddressLimits.PENDING_TIMEOUT_NANOS);
		assertThat(limits.admit("10.0.0.1").admitted()).as("an open connection keeps its place").isFalse();
		assertThat(limits.admit("10.0.0.2").admitted()).as("a pending one does not").isTrue();
	}

	@Test
	void addressWithoutConnectionsAgesOutOnceItsAllowanceIsFull() {
		AddressLimits limits = limits(5, 1, 2, 10);
		AddressLimits.Lease lease = limits.admit("10.0.0.1").lease();
		lease.opened();
		lease.release();
		assertThat(limits.trackedAddresses()).as("allowance not full yet").isEqualTo(1);
		advanceSeconds(31);
		limits.admit("10.0.0.2");
		assertThat(limits.trackedAddresses()).as("the periodic sweep forgot 10.0.0.1").isEqualTo(1);
	}

	@Test
	void fullTableForgetsIdleAddressesFirstAndNeverRefusesForWantOfRoom() {
		AddressLimits limits = limits(1, 0.001, 1, 2);
		limits.admit("10.0.0.1").lease().opened();
		limits.admit("10.0.0.2").lease().release();
		assertThat(limits.trackedAddresses()).as("10.0.0.2 keeps its spent allowance").isEqualTo(2);
		// 10.0.0.2 has no connection: forgotten to make room
		AddressLimits.Admission third = limits.admit("10.0.0.3");
		assertThat(third.admitted()).isTrue();
		third.lease().opened();
		assertThat(limits.trackedAddresses()).isEqualTo(2);
		// both tracked addresses hold connections: a fourth is admitted without being tracked
		AddressLimits.Admission untracked = limits.admit("10.0.0.4");
		assertThat(untracked.admitted()).isTrue();
		assertThat(untracked.lease()).isNull();
		assertThat(limits.trackedAddresses()).isEqualTo(2);
		assertThat(limits.admit("10.0.0.1").rejection()).as("tracked addresses stay limited")
			.isEqualTo("handshake-rate");
	}

}
