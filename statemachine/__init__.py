"""The interview machine: states and moves of one respondent's scan, without any I/O."""

from statemachine.interview import DONE, PAUSED, Interview, InterviewMachine, Reply

__all__ = ["DONE", "PAUSED", "Interview", "InterviewMachine", "Reply"]
