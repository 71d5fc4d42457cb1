package io.github.pulse.web;

/**
 * The startup check of the write path on Tomcat: which Tomcat runs, and whether pulse's gathered writes, the only
 * code that reaches Tomcat's internals, found them. The result is logged once when the web server starts.
 */
public final class TomcatWritePath {

	private TomcatWritePath() {
	}

	/**
	 * Describes the write path connections will use, with how write completions run.
	 * @param gatherWrites whether {@code pulse.container.gather-writes} is on
	 * @param inlineCompletions whether {@code pulse.container.inline-write-completions} applies (and gather-writes
	 * is on)
	 * @return a line for the startup log
	 */
	public static String describe(boolean gatherWrites, boolean inlineCompletions) {
		String path = TomcatFrameWriter.describe(gatherWrites);
		if (!gatherWrites || !TomcatFrameWriter.isAvailable()) {
			return path;
		}
		if (!inlineCompletions) {
			return path + "; completions dispatched to Tomcat's executor (pulse.container.inline-write-completions=false)";
		}
		return path + (TomcatInlineCompletions.isAvailable() ? "; completions of writes the socket took at once run inline"
				: "; completions dispatched to Tomcat's executor: its internals for running them inline were not found");
	}

	/**
	 * Whether connections write gathered frames through Tomcat's internals.
	 * @return {@code true} if the internals were found and no call through them has failed
	 */
	public static boolean isGathering() {
		return TomcatFrameWriter.isAvailable();
	}

}
