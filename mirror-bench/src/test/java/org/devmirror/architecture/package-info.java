/**
 * The architecture tests (ArchUnit): the module and package rules every build checks.
 *
 * <p>May use: ArchUnit and JUnit.
 */
package org.devmirror.architecture;
