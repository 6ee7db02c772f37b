// Package startup holds the checks that keep the program's start-up cheap.
package startup
