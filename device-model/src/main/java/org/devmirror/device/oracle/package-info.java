/**
 * The safety oracle: {@link org.devmirror.device.oracle.SafetyOracle} checks every device translation against the
 * CPU page table (a device never holds a translation or permission the CPU revoked) and
 * {@link org.devmirror.device.oracle.DataCheck} the bytes behind it; {@link org.devmirror.device.oracle.OracleReport}
 * is what a check found.
 *
 * <p>May use: mirror-core, {@code org.devmirror.device}, {@code .driver}, {@code .pagetable} and {@code .tlb}.
 */
package org.devmirror.device.oracle;
