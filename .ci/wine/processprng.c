/* bcryptprimitives.dll for Wine 8: the one export Rust's standard library imports from it.
 *
 * Since Rust 1.78, std on Windows fills its random keys (HashMap's seed) with
 * `ProcessPrng` from bcryptprimitives.dll; Wine added that DLL in 9.x, and Debian 12's
 * Wine 8 lacks it, so every Rust binary fails to start there. This forwards to
 * `RtlGenRandom` (advapi32's `SystemFunction036`), which Wine 8 has. Built by
 * `.ci/wine/run` with mingw-w64 when missing (never committed as a binary); only Wine
 * runs it: real Windows 10 and later have their own bcryptprimitives.dll. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Always TRUE on Windows (it cannot fail there); here only when RtlGenRandom succeeded. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
