/**
 * The report's charts, drawn with XChart: {@link org.devmirror.bench.report.plot.Plot} with its bar and line series.
 *
 * <p>May use: XChart and the JDK only.
 */
package org.devmirror.bench.report.plot;
