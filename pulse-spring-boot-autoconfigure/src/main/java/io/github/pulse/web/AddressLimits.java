package io.github.pulse.web;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The per-address handshake limits: live connections per client address ({@code pulse.max-connections-per-address})
 * and a handshake rate per address ({@code pulse.handshake.rate} / {@code burst}).
 * <p>
 * Memory is bounded: the table holds at most {@code pulse.handshake.max-addresses} addresses. An address ages out
 * once it has no live connection and its allowance is full again (it would be treated exactly as a new one); when
 * the table is full even after that, addresses without a live connection are forgotten first (they get a fresh
 * allowance), and an address that still finds no room is not limited, with a warning, rather than refused: the
 * operator's users are never locked out by a table that someone else filled.
 * <p>
 * A connection is counted from its admission: a handshake that is refused later, fails, or whose WebSocket never
 * opens gives its place back ({@link Lease#release}); a place not claimed by an open WebSocket within
 * {@link #PENDING_TIMEOUT_NANOS} is given back too, so no failure path can leak one. Thread-safe; the time source is
 * injectable so that tests need not wait.
 */
public final class AddressLimits {

	/** Seconds a client refused for too many connections is told to wait. */
	static final long CONNECTION_LIMIT_RETRY_AFTER_SECONDS = 5;

	/** Time an admitted handshake has to open its WebSocket before its place is given back. */
	static final long PENDING_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

	private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final Log logger = LogFactory.getLog(AddressLimits.class);

	private final int maxConnections;

	private final double ratePerNano;

	private final int burst;

	private final int maxAddresses;

	private final LongSupplier nanoTime;

	private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

	private final AtomicLong lastSweep;

	private final AtomicBoolean sweeping = new AtomicBoolean();

	private final AtomicLong lastWarning;

	/**
	 * Creates the limits.
	 * @param maxConnections live connections allowed per address, -1 for no limit
	 * @param rate handshakes per second allowed per address, 0 for no limit
	 * @param burst handshakes allowed at once above the rate
	 * @param maxAddresses most addresses tracked
	 * @param nanoTime time source, {@link System#nanoTime} but in tests
	 */
	public AddressLimits(int maxConnections, double rate, int burst, int maxAddresses, LongSupplier nanoTime) {
		this.maxConnections = maxConnections;
		this.ratePerNano = rate / TimeUnit.SECONDS.toNanos(1);
		this.burst = burst;
		this.maxAddresses = maxAddresses;
		this.nanoTime = nanoTime;
		long now = nanoTime.getAsLong();
		this.lastSweep = new AtomicLong(now);
		this.lastWarning = new AtomicLong(now - WARN_INTERVAL_NANOS);
	}

	/**
	 * Whether any limit is set; without one the interceptor does not consult this class.
	 * @return {@code true} if connections or handshakes per address are limited
	 */
	public boolean isEnabled() {
		return this.maxConnections > 0 || this.ratePerNano > 0;
	}

	/**
	 * Number of addresses tracked.
	 * @return the table size
	 */
	int trackedAddresses() {
		return this.entries.size();
	}

	/**
	 * Admits a handshake from the address or refuses it.
	 * @param address the client address as the servlet container reports it
	 * @return the admission: a lease to release when the connection ends, or the refusal
	 */
	public Admission admit(String address) {
		long now = this.nanoTime.getAsLong();
		maybeSweep(now);
		while (true) {
			Entry entry = entry(address, now);
			if (entry == null) {
				return Admission.UNTRACKED;
			}
			synchronized (entry) {
				if (entry.removed) {
					continue;
				}
				return entry.admit(now);
			}
		}
	}

	private @Nullable Entry entry(String address, long now) {
		Entry entry = this.entries.get(address);
		if (entry != null) {
			return entry;
		}
		if (this.entries.size() >= this.maxAddresses) {
			sweep(now, true);
			if (this.entries.size() >= this.maxAddresses) {
				warnFull(now);
				return null;
			}
		}
		return this.entries.computeIfAbsent(address, (key) -> new Entry(key, now));
	}

	private void maybeSweep(long now) {
		long last = this.lastSweep.get();
		if (now - last >= SWEEP_INTERVAL_NANOS && this.lastSweep.compareAndSet(last, now)) {
			sweep(now, false);
		}
	}

	/**
	 * Forgets the addresses that aged out and, when {@code makeRoom}, also those without a live connection until the
	 * table has room. One sweep at a time; a caller that finds one running goes on without.
	 */
	private void sweep(long now, boolean makeRoom) {
		if (!this.sweeping.compareAndSet(false, true)) {
			return;
		}
		try {
			List<Entry> idle = new ArrayList<>();
			for (Iterator<Map.Entry<String, Entry>> it = this.entries.entrySet().iterator(); it.hasNext();) {
				Entry entry = it.next().getValue();
				synchronized (entry) {
					entry.expirePending(now);
					if (entry.leases.isEmpty()) {
						if (entry.isAgedOut(now)) {
							entry.removed = true;
							it.remove();
						}
						else if (makeRoom) {
							idle.add(entry);
						}
					}
				}
			}
			for (Entry entry : idle) {
				if (this.entries.size() < this.maxAddresses) {
					break;
				}
				synchronized (entry) {
					if (!entry.removed && entry.leases.isEmpty()) {
						entry.removed = true;
						this.entries.remove(entry.address, entry);
					}
				}
			}
		}
		finally {
			this.sweeping.set(false);
		}
	}

	private void warnFull(long now) {
		long last = this.lastWarning.get();
		if (now - last >= WARN_INTERVAL_NANOS && this.lastWarning.compareAndSet(last, now)) {
			logger.warn("pulse.handshake.max-addresses (" + this.maxAddresses + ") addresses all have live "
					+ "connections; handshakes from further addresses are not limited until some close");
		}
	}

	/**
	 * What {@link #admit} decided.
	 * @param lease the place taken, to release when the connection ends; {@code null} when refused or not counted
	 * @param rejection the cause of a refusal ({@code handshake-rate} or {@code max-connections-per-address}), or
	 * {@code null} if admitted
	 * @param retryAfterSeconds for a refusal, the seconds to send in {@code Retry-After}
	 */
	public record Admission(@Nullable Lease lease, @Nullable String rejection, long retryAfterSeconds) {

		static final Admission UNTRACKED = new Admission(null, null, 0);

		/**
		 * Whether the handshake may go on.
		 * @return {@code true} if admitted
		 */
		public boolean admitted() {
			return this.rejection == null;
		}

	}

	/**
	 * One admitted connection's place in its address's count. Released exactly once, whatever calls it.
	 */
	public final class Lease {

		private final Entry entry;

		private final long admittedNanos;

		private final AtomicBoolean released = new AtomicBoolean();

		/** Guarded by {@link #entry}. */
		private boolean opened;

		Lease(Entry entry, long admittedNanos) {
			this.entry = entry;
			this.admittedNanos = admittedNanos;
		}

		/**
		 * The WebSocket opened: the place is held until {@link #release}, however long that takes.
		 */
		public void opened() {
			synchronized (this.entry) {
				this.opened = true;
			}
		}

		/**
		 * Gives the place back: the connection ended, or the handshake did not lead to one.
		 */
		public void release() {
			if (!this.released.compareAndSet(false, true)) {
				return;
			}
			synchronized (this.entry) {
				this.entry.leases.remove(this);
				if (this.entry.leases.isEmpty() && this.entry.isAgedOut(AddressLimits.this.nanoTime.getAsLong())) {
					this.entry.removed = true;
					AddressLimits.this.entries.remove(this.entry.address, this.entry);
				}
			}
		}

	}

	/**
	 * One address: its live connections and its handshake allowance (a token bucket). Guarded by itself.
	 */
	private final class Entry {

		final String address;

		final List<Lease> leases = new ArrayList<>(2);

		double tokens;

		long refilledNanos;

		boolean removed;

		Entry(String address, long now) {
			this.address = address;
			this.tokens = AddressLimits.this.burst;
			this.refilledNanos = now;
		}

		Admission admit(long now) {
			if (AddressLimits.this.ratePerNano > 0) {
				refill(now);
				if (this.tokens < 1) {
					double waitNanos = (1 - this.tokens) / AddressLimits.this.ratePerNano;
					return new Admission(null, "handshake-rate",
							Math.max(1, (long) Math.ceil(waitNanos / TimeUnit.SECONDS.toNanos(1))));
				}
				this.tokens -= 1;
			}
			if (AddressLimits.this.maxConnections <= 0) {
				return Admission.UNTRACKED;
			}
			expirePending(now);
			if (this.leases.size() >= AddressLimits.this.maxConnections) {
				return new Admission(null, "max-connections-per-address", CONNECTION_LIMIT_RETRY_AFTER_SECONDS);
			}
			Lease lease = new Lease(this, now);
			this.leases.add(lease);
			return new Admission(lease, null, 0);
		}

		private void refill(long now) {
			long elapsed = now - this.refilledNanos;
			if (elapsed > 0) {
				this.tokens = Math.min(AddressLimits.this.burst,
						this.tokens + elapsed * AddressLimits.this.ratePerNano);
				this.refilledNanos = now;
			}
		}

		/** Gives back the places of handshakes whose WebSocket never opened. */
		void expirePending(long now) {
			this.leases.removeIf((lease) -> !lease.opened && now - lease.admittedNanos >= PENDING_TIMEOUT_NANOS
					&& lease.released.compareAndSet(false, true));
		}

		/** Whether the address would now be treated exactly as one never seen. */
		boolean isAgedOut(long now) {
			if (!this.leases.isEmpty()) {
				return false;
			}
			if (AddressLimits.this.ratePerNano <= 0) {
				return true;
			}
			refill(now);
			return this.tokens >= AddressLimits.this.burst;
		}

	}

}
