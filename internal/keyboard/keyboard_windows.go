package keyboard

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// New returns the keyboard of the console f. The prompt library reads Windows console
// events itself, so the keyboard cannot sit in between: it throws away what was typed
// before each question instead, and ends a question from outside by putting a Ctrl-C
// key event into the console's input.
func New(f *os.File) *Keyboard {
	return newPassthrough(f, console{h: windows.Handle(f.Fd())})
}

// console drops pending input when a question starts.
type console struct{ h windows.Handle }

func (c console) quiet() error  { return nil }
func (c console) normal() error { return windows.FlushConsoleInputBuffer(c.h) }

// keyEvent is the console's KEY_EVENT_RECORD inside an INPUT_RECORD.
type keyEvent struct {
	eventType       uint16
	_               uint16
	keyDown         int32
	repeatCount     uint16
	virtualKeyCode  uint16
	virtualScanCode uint16
	unicodeChar     uint16
	controlKeyState uint32
}

const (
	keyEventType    = 0x0001
	leftCtrlPressed = 0x0008
)

// poke writes Ctrl-C as the key event survey's Windows reader takes for an interrupt
// (the C key with Ctrl held).
func (c console) poke() error {
	write := windows.NewLazySystemDLL("kernel32.dll").NewProc("WriteConsoleInputW")
	ev := keyEvent{eventType: keyEventType, keyDown: 1, repeatCount: 1, virtualKeyCode: 'C', unicodeChar: 'C', controlKeyState: leftCtrlPressed}
	var written uint32
	r, _, err := write.Call(uintptr(c.h), uintptr(unsafe.Pointer(&ev)), 1, uintptr(unsafe.Pointer(&written)))
	if r == 0 {
		return err
	}
	return nil
}
