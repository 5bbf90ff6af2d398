/*
 * bcryptprimitives.dll for running the Windows test binaries under Wine 8,
 * which has no such DLL. Go 1.24 and later read their random numbers on
 * Windows from ProcessPrng in bcryptprimitives.dll; this one fills the
 * buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 *
 * Test only: it is built into the Wine prefix by scripts/test-windows and is
 * never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
	(void)instance;
	(void)reason;
	(void)reserved;
	return TRUE;
}
