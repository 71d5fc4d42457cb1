package io.github.pulse.core;

import java.util.IdentityHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A stand-in for an exception that goes to the log: the same classes, stack frames and causes, without a single
 * message. Messages cannot be trusted not to quote a payload: Jackson's quote the value they could not read, and
 * an application's may quote whatever it was handed. The class names and frames still say what failed and where.
 */
final class RedactedFailure extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private static final int MAX_CAUSES = 16;

	private RedactedFailure(String description, @Nullable Throwable cause, StackTraceElement[] stackTrace) {
		super(description, cause, false, true);
		setStackTrace(stackTrace);
	}

	/**
	 * Redacts an exception and its causes.
	 * @param failure the exception
	 * @return a copy fit for the log
	 */
	static RedactedFailure of(Throwable failure) {
		return copy(failure, new IdentityHashMap<>(), 0);
	}

	private static RedactedFailure copy(Throwable failure, Map<Throwable, Boolean> seen, int depth) {
		seen.put(failure, true);
		Throwable cause = failure.getCause();
		RedactedFailure redactedCause = (cause != null && !seen.containsKey(cause) && depth < MAX_CAUSES)
				? copy(cause, seen, depth + 1) : null;
		return new RedactedFailure(describe(failure), redactedCause, failure.getStackTrace());
	}

	private static String describe(Throwable failure) {
		return failure.getClass().getName() + " (message not logged: it may quote a payload)";
	}

}
