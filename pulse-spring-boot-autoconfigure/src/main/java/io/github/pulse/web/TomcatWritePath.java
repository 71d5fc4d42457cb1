package io.github.pulse.web;

/**
 * The startup check of the write path on Tomcat: which Tomcat runs, and whether pulse's gathered writes, the only
 * code that reaches Tomcat's internals, found them. The result is logged once when the web server starts.
 */
public final class TomcatWritePath {

	private TomcatWritePath() {
	}

	/**
	 * Describes the write path connections will use.
	 * @param gatherWrites whether {@code pulse.container.gather-writes} is on
	 * @return a line for the startup log
	 */
	public static String describe(boolean gatherWrites) {
		return TomcatFrameWriter.describe(gatherWrites);
	}

	/**
	 * Whether connections write gathered frames through Tomcat's internals.
	 * @return {@code true} if the internals were found and no call through them has failed
	 */
	public static boolean isGathering() {
		return TomcatFrameWriter.isAvailable();
	}

}
