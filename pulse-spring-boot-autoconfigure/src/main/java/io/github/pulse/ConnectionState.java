package io.github.pulse;

/**
 * Life cycle of a pulse session.
 *
 * <pre>
 *   OPEN ──abnormal transport end──▶ SUSPENDED ──resume──▶ OPEN
 *     │                                  │
 *     └──────── any other end ───────────┴──window elapsed, kick, shutdown──▶ CLOSED
 * </pre>
 */
public enum ConnectionState {

	/** A live transport is attached. */
	OPEN,

	/** The transport was lost abnormally; the session waits for a resume within the resume window. */
	SUSPENDED,

	/** The session ended; it accepts no more frames. */
	CLOSED

}
