//! The implemented preview1 functions. Each validates every guest pointer
//! it will touch *before* changing anything, so a call that returns
//! `EFAULT` has no effect on memory, output, the clock or the generator.

use super::errno::{Errno, BADF, INVAL, SPIPE, SUCCESS};
use super::guest::Guest;
use super::WasiState;

/// Result of one call: `Err` is the errno the guest sees (`Ok` is success).
pub type CallResult = Result<(), Errno>;

const CLOCK_REALTIME: u32 = 0;
const CLOCK_COUNT: u32 = 4;
const FILETYPE_CHARACTER_DEVICE: u8 = 2;
const RIGHTS_FD_READ: u64 = 1 << 1;
const RIGHTS_FD_WRITE: u64 = 1 << 6;
const RIGHTS_POLL_FD_READWRITE: u64 = 1 << 27;
const SUBSCRIPTION_SIZE: u64 = 48;
const EVENT_SIZE: u64 = 32;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;

/// `strings` as a NUL-terminated list: (count, total bytes).
fn sizes(strings: &[String]) -> (u32, u64) {
    let bytes = strings.iter().map(|s| s.len() as u64 + 1).sum();
    (strings.len() as u32, bytes)
}

/// Writes `strings` as pointers at `list` into NUL-terminated bytes at `buf`.
fn write_strings(g: &mut Guest, strings: &[String], list: u32, buf: u32) -> Result<(), Errno> {
    let (count, bytes) = sizes(strings);
    g.check(list, u64::from(count) * 4)?;
    g.check(buf, bytes)?;
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        g.write_u32(list + i as u32 * 4, at)?;
        g.write(at, s.as_bytes())?;
        g.write(at + s.len() as u32, &[0])?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

fn write_sizes(g: &mut Guest, strings: &[String], count_ptr: u32, size_ptr: u32) -> CallResult {
    let (count, bytes) = sizes(strings);
    g.check(count_ptr, 4)?;
    g.check(size_ptr, 4)?;
    g.write_u32(count_ptr, count)?;
    g.write_u32(size_ptr, bytes as u32)
}

pub fn args_get(s: &mut WasiState, g: &mut Guest, argv: u32, buf: u32) -> CallResult {
    write_strings(g, &s.args, argv, buf)
}

pub fn args_sizes_get(s: &mut WasiState, g: &mut Guest, count: u32, size: u32) -> CallResult {
    write_sizes(g, &s.args, count, size)
}

pub fn environ_get(s: &mut WasiState, g: &mut Guest, list: u32, buf: u32) -> CallResult {
    write_strings(g, &s.env, list, buf)
}

pub fn environ_sizes_get(s: &mut WasiState, g: &mut Guest, count: u32, size: u32) -> CallResult {
    write_sizes(g, &s.env, count, size)
}

pub fn clock_res_get(s: &mut WasiState, g: &mut Guest, id: u32, out: u32) -> CallResult {
    if id >= CLOCK_COUNT {
        return Err(INVAL);
    }
    g.write_u64(out, s.clock.resolution())
}

pub fn clock_time_get(s: &mut WasiState, g: &mut Guest, id: u32, out: u32) -> CallResult {
    if id >= CLOCK_COUNT {
        return Err(INVAL);
    }
    g.check(out, 8)?;
    let now = s.clock.query(id == CLOCK_REALTIME);
    g.write_u64(out, now)
}

pub fn fd_write(
    s: &mut WasiState,
    g: &mut Guest,
    fd: u32,
    iovs: u32,
    count: u32,
    nwritten: u32,
) -> CallResult {
    if !s.writable(fd) {
        return Err(BADF);
    }
    let bufs = g.iovecs(iovs, count)?;
    g.check(nwritten, 4)?;
    let mut data = Vec::new();
    for (ptr, len) in bufs {
        data.extend_from_slice(g.bytes(ptr, u64::from(len))?);
    }
    s.output(fd, &data);
    g.write_u32(nwritten, data.len() as u32)
}

pub fn fd_read(
    s: &mut WasiState,
    g: &mut Guest,
    fd: u32,
    iovs: u32,
    count: u32,
    nread: u32,
) -> CallResult {
    if !s.readable(fd) {
        return Err(BADF);
    }
    let bufs = g.iovecs(iovs, count)?;
    g.check(nread, 4)?;
    let mut total = 0u32;
    for (ptr, len) in bufs {
        let dst = g.bytes_mut(ptr, u64::from(len))?;
        let n = s.input(dst);
        total += n as u32;
        if n < dst.len() {
            break;
        }
    }
    g.write_u32(nread, total)
}

pub fn fd_close(s: &mut WasiState, fd: u32) -> CallResult {
    if !s.is_open(fd) {
        return Err(BADF);
    }
    s.closed[fd as usize] = true;
    Ok(())
}

/// `fd_seek` and `fd_tell`: only stdio exists, and it cannot seek.
pub fn fd_seek(s: &mut WasiState, fd: u32) -> CallResult {
    Err(if s.is_open(fd) { SPIPE } else { BADF })
}

pub fn fd_fdstat_get(s: &mut WasiState, g: &mut Guest, fd: u32, out: u32) -> CallResult {
    if !s.is_open(fd) {
        return Err(BADF);
    }
    let rights = RIGHTS_POLL_FD_READWRITE
        | if fd == 0 {
            RIGHTS_FD_READ
        } else {
            RIGHTS_FD_WRITE
        };
    let mut stat = [0u8; 24];
    stat[0] = FILETYPE_CHARACTER_DEVICE;
    stat[8..16].copy_from_slice(&rights.to_le_bytes());
    g.write(out, &stat)
}

/// No directories are preopened: every descriptor answers `EBADF`, which
/// is how wasi-libc learns that the preopen list has ended.
pub fn fd_prestat() -> CallResult {
    Err(BADF)
}

pub fn random_get(s: &mut WasiState, g: &mut Guest, buf: u32, len: u32) -> CallResult {
    s.rng.fill(g.bytes_mut(buf, u64::from(len))?);
    Ok(())
}

/// One subscription of `poll_oneoff`, decoded.
enum Sub {
    /// A clock subscription: its userdata and its deadline on the
    /// monotonic scale, or an error to report at once.
    Clock(u64, Result<u64, Errno>),
    /// An fd subscription: userdata, event type, errno, bytes available.
    Fd(u64, u8, Errno, u64),
}

pub fn poll_oneoff(
    s: &mut WasiState,
    g: &mut Guest,
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> CallResult {
    if count == 0 {
        return Err(INVAL);
    }
    g.check(subs, u64::from(count) * SUBSCRIPTION_SIZE)?;
    g.check(events, u64::from(count) * EVENT_SIZE)?;
    g.check(nevents, 4)?;
    let mut decoded = Vec::with_capacity(count as usize);
    for i in 0..count {
        let at = subs + i * SUBSCRIPTION_SIZE as u32;
        let userdata = g.read_u64(at)?;
        let tag = g.bytes(at + 8, 1)?[0];
        decoded.push(match tag {
            0 => {
                let id = g.read_u32(at + 16)?;
                let timeout = g.read_u64(at + 24)?;
                let flags = u16::from_le_bytes(g.bytes(at + 40, 2)?.try_into().expect("2"));
                let deadline = if id >= CLOCK_COUNT {
                    Err(INVAL)
                } else if flags & SUBCLOCKFLAGS_ABSTIME != 0 {
                    Ok(s.clock.to_monotonic(id == CLOCK_REALTIME, timeout))
                } else {
                    Ok(s.clock.now().saturating_add(timeout))
                };
                Sub::Clock(userdata, deadline)
            }
            1 | 2 => {
                let fd = g.read_u32(at + 16)?;
                let ready = if tag == 1 {
                    s.readable(fd)
                } else {
                    s.writable(fd)
                };
                let (errno, nbytes) = match (ready, tag) {
                    (false, _) => (BADF, 0),
                    (true, 1) => (SUCCESS, s.stdin_left()),
                    (true, _) => (SUCCESS, 0),
                };
                Sub::Fd(userdata, tag, errno, nbytes)
            }
            _ => return Err(INVAL),
        });
    }
    let immediate = decoded
        .iter()
        .any(|d| matches!(d, Sub::Fd(..) | Sub::Clock(_, Err(_))));
    let wake = if immediate {
        None
    } else {
        decoded
            .iter()
            .filter_map(|d| match d {
                Sub::Clock(_, Ok(t)) => Some(*t),
                _ => None,
            })
            .min()
    };
    if let Some(t) = wake {
        s.clock.sleep_until(t);
    }
    let mut n = 0u32;
    for d in &decoded {
        let (userdata, ty, errno, nbytes) = match *d {
            Sub::Clock(u, Err(e)) => (u, 0u8, e, 0),
            Sub::Clock(u, Ok(t)) if !immediate && Some(t) <= wake => (u, 0, SUCCESS, 0),
            Sub::Clock(..) => continue,
            Sub::Fd(u, ty, e, nbytes) => (u, ty, e, nbytes),
        };
        let mut ev = [0u8; EVENT_SIZE as usize];
        ev[0..8].copy_from_slice(&userdata.to_le_bytes());
        ev[8..10].copy_from_slice(&errno.to_le_bytes());
        ev[10] = ty;
        ev[16..24].copy_from_slice(&nbytes.to_le_bytes());
        g.write(events + n * EVENT_SIZE as u32, &ev)?;
        n += 1;
    }
    g.write_u32(nevents, n)
}
