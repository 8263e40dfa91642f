package org.devmirror.cli;

/** Entry point of the {@code ./devmirror} command line. */
public final class DevmirrorCommand {
    private DevmirrorCommand() {}

    public static void main(String[] args) {
        System.out.println("devmirror " + String.join(" ", args));
    }
}
