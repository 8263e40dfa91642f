package org.devmirror.scenario;

/**
 * The result an operation may be expected to return: {@code OK} or a kernel errno name. The
 * names are those of devmirror's {@code org.devmirror.mm.Errno}, so the executor maps one to
 * the other by name.
 */
public enum ResultCode {
    OK,
    EPERM,
    ENOENT,
    EAGAIN,
    ENOMEM,
    EFAULT,
    EBUSY,
    EINVAL
}
