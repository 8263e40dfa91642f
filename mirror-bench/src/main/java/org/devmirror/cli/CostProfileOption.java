package org.devmirror.cli;

import java.util.Iterator;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.input.InputFileException;
import org.devmirror.json.JsonInputException;
import org.devmirror.observe.CostProfileFile;
import picocli.CommandLine.Option;

/**
 * The {@code --cost-profile NAME|FILE} option of {@code run}, {@code replay}, {@code demo} and
 * {@code compare}: the device cost model that prices the counted work as modelled device time
 * (docs/cost-model.md), a named profile or a JSON file, declared once for all of them.
 */
final class CostProfileOption {
    @Option(
            names = "--cost-profile",
            paramLabel = "NAME|FILE",
            completionCandidates = Names.class,
            description = "device cost model pricing the counted work: a named profile (${COMPLETION-CANDIDATES};"
                    + " default: the first) or a JSON profile file (docs/cost-model.md)")
    private String value;

    /** The named profiles, for the help text: {@link CostProfile#NAMED} is their one list. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return CostProfile.NAMED.stream().map(CostProfile::name).iterator();
        }
    }

    /**
     * The profile named on the command line.
     *
     * @param command the command, to start the error line ({@code "devmirror run"})
     * @throws BadInputException naming the file, the member and the reason when the profile cannot be used
     */
    CostProfile resolve(String command) {
        if (value == null) {
            return CostProfile.DEFAULT;
        }
        try {
            return CostProfileFile.resolve("--cost-profile", value);
        } catch (IllegalArgumentException | InputFileException | JsonInputException e) {
            throw new BadInputException(command + ": " + e.getMessage());
        }
    }
}
