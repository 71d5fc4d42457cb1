package io.github.pulse.core;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Single-use resume tokens. A token is 32 random bytes from {@link SecureRandom}, base64url-encoded: the first 16
 * bytes are the lookup key, the last 16 the secret, compared in constant time. Expired tokens leave a tombstone for
 * one more window so that a late resume is told "expired" rather than "unknown". Tokens are never logged.
 */
final class ResumeTokens {

	static final int TOKEN_LENGTH = 43;

	private static final int MAX_TOMBSTONES = 100_000;

	private final SecureRandom random = new SecureRandom();

	private final Map<String, Entry> live = new ConcurrentHashMap<>();

	private final Map<String, Long> tombstones = new ConcurrentHashMap<>();

	private final long tombstoneNanos;

	ResumeTokens(long windowNanos) {
		this.tombstoneNanos = windowNanos;
	}

	/** Outcome of a claim. */
	enum Outcome {

		/** The token matched a session, which the caller now owns. */
		CLAIMED,

		/** The token belonged to a session whose window elapsed. */
		EXPIRED,

		/** The token is not known: forged, already used or ended otherwise. */
		UNKNOWN

	}

	record Claim(Outcome outcome, @Nullable PulseSession session, @Nullable String key) {
	}

	/**
	 * Issues a token for a session.
	 * @return the token to hand to the client
	 */
	String issue(PulseSession session) {
		byte[] bytes = new byte[32];
		this.random.nextBytes(bytes);
		String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
		byte[] secret = new byte[16];
		System.arraycopy(bytes, 16, secret, 0, 16);
		this.live.put(key(token), new Entry(secret, session));
		return token;
	}

	/**
	 * Claims a token: at most one concurrent caller gets the session.
	 */
	Claim claim(String token) {
		if (!isWellFormed(token)) {
			return new Claim(Outcome.UNKNOWN, null, null);
		}
		String key = key(token);
		Entry entry = this.live.get(key);
		if (entry == null || !MessageDigest.isEqual(entry.secret, secret(token))) {
			return new Claim(this.tombstones.containsKey(key) ? Outcome.EXPIRED : Outcome.UNKNOWN, null, null);
		}
		if (!this.live.remove(key, entry)) {
			// revoked meanwhile: by the expiry that left its tombstone first, or claimed by a concurrent resume
			return new Claim(this.tombstones.containsKey(key) ? Outcome.EXPIRED : Outcome.UNKNOWN, null, null);
		}
		return new Claim(Outcome.CLAIMED, entry.session, key);
	}

	/**
	 * Whether a well-formed token belonged to a session whose window elapsed; claims nothing.
	 */
	boolean isExpired(String token) {
		return this.tombstones.containsKey(key(token));
	}

	/**
	 * Puts back a claimed token that could not be used because the resuming identity did not match.
	 */
	void restore(String token, PulseSession session) {
		this.live.putIfAbsent(key(token), new Entry(secret(token), session));
	}

	/**
	 * Forgets the token of an ended session.
	 * @param expired whether to leave a tombstone reporting "expired"
	 */
	void revoke(@Nullable String token, boolean expired, long nowNanos) {
		if (token == null) {
			return;
		}
		String key = key(token);
		// the tombstone goes first: a claim between the two steps then sees the token or its tombstone, never
		// neither (which would tell an expired session's client "unknown")
		if (expired && this.tombstones.size() < MAX_TOMBSTONES) {
			this.tombstones.put(key, nowNanos + this.tombstoneNanos);
		}
		this.live.remove(key);
	}

	void purge(long nowNanos) {
		this.tombstones.values().removeIf((expiry) -> expiry - nowNanos < 0);
	}

	int liveCount() {
		return this.live.size();
	}

	int tombstoneCount() {
		return this.tombstones.size();
	}

	static boolean isWellFormed(String token) {
		if (token.length() != TOKEN_LENGTH) {
			return false;
		}
		for (int i = 0; i < token.length(); i++) {
			char c = token.charAt(i);
			boolean valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '_';
			if (!valid) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The lookup half of a well-formed token, which identifies it without granting anything.
	 */
	static String key(String token) {
		byte[] bytes = Base64.getUrlDecoder().decode(token);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(bytes, 16));
	}

	static byte[] secret(String token) {
		byte[] bytes = Base64.getUrlDecoder().decode(token);
		return java.util.Arrays.copyOfRange(bytes, 16, 32);
	}

	private record Entry(byte[] secret, PulseSession session) {
	}

}
