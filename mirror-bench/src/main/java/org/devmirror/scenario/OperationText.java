package org.devmirror.scenario;

import org.devmirror.mm.Prot;

/** An operation written back in scenario syntax, with sizes in hex, for the trace and the JSON. */
final class OperationText {
    private OperationText() {}

    static String of(Operation op) {
        return switch (op) {
            case HostOp.Mmap m -> (m.binding() == null ? "" : m.binding() + " = ") + "mmap " + hex(m.length()) + " "
                    + prot(m.prot()) + (m.shared() ? " shared" : " private")
                    + (m.file() == null ? " anon" : " file " + m.file() + (m.fileOffset() != 0 ? " offset " + hex(m.fileOffset()) : ""))
                    + (m.fixed() ? " fixed" : "") + (m.huge() ? " huge" : "") + (m.at() != null ? " at " + m.at() : "");
            case HostOp.Munmap m -> "munmap " + m.addr() + " " + hex(m.length());
            case HostOp.Mremap m -> (m.binding() == null ? "" : m.binding() + " = ") + "mremap " + m.addr() + " "
                    + hex(m.oldLength()) + " " + hex(m.newLength()) + (m.mayMove() ? " maymove" : "")
                    + (m.fixed() ? " fixed" : "") + (m.at() != null ? " at " + m.at() : "") + (m.dontUnmap() ? " dontunmap" : "");
            case HostOp.Mprotect m -> "mprotect " + m.addr() + " " + hex(m.length()) + " " + prot(m.prot());
            case HostOp.Madvise m -> "madvise " + m.addr() + " " + hex(m.length()) + " " + m.advice().name().toLowerCase();
            case HostOp.CpuRead r -> "read " + r.addr() + " " + hex(r.length());
            case HostOp.CpuWrite w -> "write " + w.addr() + " " + hex(w.length()) + " " + w.data();
            case HostOp.Fork f -> "fork " + f.child();
            case HostOp.ClearSoftDirty c -> "clear-soft-dirty";
            case HostOp.Reclaim r -> "reclaim " + r.addr() + " " + hex(r.length());
            case HostOp.Compact c -> "compact " + c.addr() + " " + hex(c.length());
            case HostOp.Ksm k -> "ksm " + k.addr() + " " + hex(k.length());
            case HostOp.ThpCollapse t -> "thp collapse " + t.addr();
            case HostOp.ThpSplit t -> "thp split " + t.addr();
            case HostOp.OomReap o -> "oom-reap";
            case HostOp.Writeback w -> "writeback " + w.file();
            case HostOp.Exit e -> "exit";
            case HostOp.UffdOpen u -> "uffd open" + (u.async() ? " async" : "") + (u.unpopulated() ? " unpopulated" : "");
            case HostOp.UffdRegister u -> "uffd register " + u.addr() + " " + hex(u.length());
            case HostOp.UffdUnregister u -> "uffd unregister " + u.addr() + " " + hex(u.length());
            case HostOp.UffdWriteProtect u -> "uffd " + (u.protect() ? "protect " : "unprotect ") + u.addr() + " " + hex(u.length())
                    + (u.dontWake() ? " dontwake" : "");
            case HostOp.UffdMove u -> "uffd move " + u.dst() + " " + u.src() + " " + hex(u.length()) + (u.allowHoles() ? " allow-holes" : "");
            case HostOp.PagemapScan p -> "pagemap-scan " + p.addr() + " " + hex(p.length()) + (p.wp() ? " wp" : "");
            case HostOp.NumaHint n -> "numa-hint " + n.addr() + " " + hex(n.length());
            case DeviceOp.Read r -> r.device() + " read " + r.addr() + " " + hex(r.length());
            case DeviceOp.Write w -> w.device() + " write " + w.addr() + " " + hex(w.length()) + " " + w.data();
            case DeviceOp.Atomic a -> a.device() + " atomic " + a.addr() + " " + hex(a.length()) + " add " + a.addend();
            case DeviceOp.Snapshot s -> s.device() + " snapshot " + s.addr() + " " + hex(s.length());
            case DeviceOp.MigrateToDevice m -> m.device() + " migrate " + m.addr() + " " + hex(m.length());
            case DeviceOp.MigrateToSystem m -> m.device() + " migrate-back " + m.addr() + " " + hex(m.length());
            case DeviceOp.Exclusive x -> x.device() + " exclusive " + x.addr() + " " + hex(x.length());
            case DeviceOp.CheckExclusive x -> x.device() + " check-exclusive " + x.addr() + " " + hex(x.length());
            case DeviceOp.Release r -> r.device() + " release";
            case DeviceOp.FailAlloc f -> f.device() + " fail-alloc " + f.count();
        };
    }

    private static String hex(long n) {
        return "0x" + Long.toHexString(n);
    }

    private static String prot(int prot) {
        return switch (prot) {
            case Prot.NONE -> "none";
            case Prot.READ -> "r";
            case Prot.RW -> "rw";
            case Prot.READ | Prot.EXEC -> "rx";
            default -> "rwx";
        };
    }
}
